import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';
import type { Config } from './config';

export type Db = PrismaClient;

/**
 * Prisma over node-postgres: no engine binary, a bounded pool, a fast failure when PostgreSQL is
 * down, and a statement timeout, so one slow query cannot hold a connection (and a request) forever.
 */
export function createDb(config: Pick<Config, 'databaseUrl' | 'databasePoolMax' | 'databaseStatementTimeoutMs'>): Db {
  const adapter = new PrismaPg({
    connectionString: config.databaseUrl,
    max: config.databasePoolMax,
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 30000,
    ...(config.databaseStatementTimeoutMs > 0 ? { statement_timeout: config.databaseStatementTimeoutMs } : {}),
  });
  return new PrismaClient({ adapter });
}

export async function pingDb(db: Db): Promise<void> {
  await db.$queryRawUnsafe('SELECT 1');
}
