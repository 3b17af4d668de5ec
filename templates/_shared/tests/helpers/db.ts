import type { TestApp } from './app';
import { POSTS_CACHE } from '../../src/core/modules/posts/posts.service';

/**
 * Empties every table (and the posts cache) so each test starts from nothing. Work the last test's
 * requests left running (a verification link being written) finishes first: a TRUNCATE racing
 * that insert deadlocks.
 */
export async function resetDatabase({ container }: TestApp): Promise<void> {
  await container.settle();
  await container.db.$executeRawUnsafe('TRUNCATE users, posts, comments, likes, sessions, refresh_tokens, user_tokens CASCADE');
  await container.cache.invalidate(POSTS_CACHE);
}
