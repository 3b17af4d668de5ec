import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { PrismaClient } from '../generated/prisma/client';
import type { Config } from './config';
import type { PoolStats } from './metrics';

export type Db = PrismaClient;

/**
 * Prisma over node-postgres: no engine binary, a bounded pool, a fast failure when PostgreSQL is
 * down, and a statement timeout, so one slow query cannot hold a connection (and a request) forever.
 * The pool is ours, so its state can be measured (`stats`); Prisma ends it on `$disconnect`.
 */
export function createDb(config: Pick<Config, 'databaseUrl' | 'databasePoolMax' | 'databaseStatementTimeoutMs'>): {
  db: Db;
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
    stats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
  };
}

export async function pingDb(db: Db): Promise<void> {
  await db.$queryRawUnsafe('SELECT 1');
}
