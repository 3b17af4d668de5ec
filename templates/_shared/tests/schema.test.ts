import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { loadConfig } from '../src/core/config';

/**
 * The SQL in migrations/ owns the schema and prisma/schema.prisma describes it to the client.
 * Prisma's own schema engine (tools/schema-diff.mjs) compares the migrated test database with
 * the Prisma file: tables, columns, types, defaults, indexes, unique and foreign keys.
 */

const root = join(__dirname, '..');

/** What the migrated database lacks for prisma/schema.prisma to hold, in Prisma's words. */
function differences(): { status: number | null; output: string } {
  const result = spawnSync(
    process.execPath,
    [
      join(root, 'tools', 'schema-diff.mjs'),
      '--url',
      loadConfig().databaseUrl,
      '--to-schema',
      join(root, 'prisma', 'schema.prisma'),
      '--summary',
    ],
    { cwd: root, encoding: 'utf8' },
  );
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

describe('prisma/schema.prisma against the migrated database', () => {
  it('describes exactly what the migrations made', () => {
    const { status, output } = differences();
    // On failure the output names each difference: what the migrations lack for the schema
    // to hold. Write it with `npm run db:new -- NAME --from-schema`, or correct the model.
    expect({ status, output }).toEqual({ status: 0, output: 'No difference detected.' });
  });
});
