import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';
import type { Config } from './config';

export type Db = PrismaClient;

/** Prisma over node-postgres: no engine binary, a bounded pool, and a fast failure when PostgreSQL is down. */
export function createDb(config: Pick<Config, 'databaseUrl' | 'databasePoolMax'>): Db {
  const adapter = new PrismaPg({
    connectionString: config.databaseUrl,
    max: config.databasePoolMax,
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 30000,
  });
  return new PrismaClient({ adapter });
}

export async function pingDb(db: Db): Promise<void> {
  await db.$queryRawUnsafe('SELECT 1');
}
