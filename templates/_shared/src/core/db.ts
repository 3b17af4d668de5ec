import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { Prisma, PrismaClient } from '../generated/prisma/client';
import type { Config } from './config';
import type { PoolStats } from './metrics';

export type Db = PrismaClient;

/**
 * A statement on the pool itself, written as Prisma's `$queryRaw` is (a tagged template whose
 * values become parameters, with `Prisma.sql` fragments composing), that skips Prisma's query
 * engine: about half the client time of `$queryRaw` for the same rows. The repositories run their
 * hottest raw statements with it (the lists and reads by id, the session behind a token). Rows come
 * back as node-postgres reads them, as `$queryRaw` returns them for these columns: timestamptz as
 * Date, int and boolean as themselves, uuid and text as strings (but bigint as a string).
 */
export type Sql = <T>(strings: TemplateStringsArray, ...values: Array<Parameters<typeof Prisma.sql>[1]>) => Promise<T[]>;

/**
 * Prisma over node-postgres: no engine binary, a bounded pool, a fast failure when PostgreSQL is
 * down, and a statement timeout, so one slow query cannot hold a connection (and a request) forever.
 * The pool is ours, so its state can be measured (`stats`); Prisma ends it on `$disconnect`.
 */
export function createDb(config: Pick<Config, 'databaseUrl' | 'databasePoolMax' | 'databaseStatementTimeoutMs'>): {
  db: Db;
  sql: Sql;
  stats: () => PoolStats;
} {
  const pool = new Pool({
    connectionString: config.databaseUrl,
    max: config.databasePoolMax,
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 30000,
    ...(config.databaseStatementTimeoutMs > 0 ? { statement_timeout: config.databaseStatementTimeoutMs } : {}),
  });
  return {
    db: new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) }),
    sql: async <T>(strings: TemplateStringsArray, ...values: Array<Parameters<typeof Prisma.sql>[1]>) => {
      const statement = Prisma.sql(strings, ...values);
      // Dates as UTC ISO text, as Prisma sends them (node-postgres would write the local offset).
      const parameters = statement.values.map((value) => (value instanceof Date ? value.toISOString() : value));
      return (await pool.query(statement.text, parameters)).rows as T[];
    },
    stats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
  };
}

export async function pingDb(db: Db): Promise<void> {
  await db.$queryRawUnsafe('SELECT 1');
}
