import { defineConfig } from 'prisma/config';

// Prisma is used as a typed client only; yoyo (tools/db.py) owns the migrations.
export default defineConfig({ schema: 'prisma/schema.prisma' });
