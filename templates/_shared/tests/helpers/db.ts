import type { TestApp } from './app';
import { POSTS_CACHE } from '../../src/core/modules/posts/posts.service';

/** The `db` command's own records, which a reset keeps. */
const BOOKKEEPING = ['_yoyo_migration', '_yoyo_log', '_yoyo_version', 'yoyo_lock', '_db_migration_meta'];
let truncate: Promise<string> | undefined;

async function truncateEverything(db: TestApp['container']['db']): Promise<string> {
  const tables = await db.$queryRaw<Array<{ name: string }>>`
    SELECT quote_ident(tablename) AS name FROM pg_tables
     WHERE schemaname = current_schema() AND tablename <> ALL(${BOOKKEEPING}) ORDER BY tablename`;
  return `TRUNCATE ${tables.map((table) => table.name).join(', ')} CASCADE`;
}

/**
 * Empties every table the migrations made (a table added later is emptied too, with no list to
 * keep up to date) and the posts cache, so each test starts from nothing. Work the last test's
 * requests left running (a verification link being written) finishes first: a TRUNCATE racing
 * that insert deadlocks.
 */
export async function resetDatabase({ container }: TestApp): Promise<void> {
  await container.settle();
  truncate ??= truncateEverything(container.db);
  await container.db.$executeRawUnsafe(await truncate);
  await container.cache.invalidate(POSTS_CACHE);
}
