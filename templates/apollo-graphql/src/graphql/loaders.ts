import DataLoader from 'dataloader';
import type { Container } from '../core/container';
import type { Comment } from '../core/modules/comments/comments.schema';
import type { Post } from '../core/modules/posts/posts.schema';
import type { User } from '../core/modules/users/users.schema';
import { byId, type PageArgs } from './common';

/**
 * The batch loaders of one request. Every lookup of one kind made while resolving one level of
 * a query becomes one query to the core's batch methods, so `users { posts { comments { author } } }`
 * costs the same number of SQL statements for ten users as for a hundred. They cache for the
 * request only: nothing outlives it, so no one sees another request's data.
 */
export interface Loaders {
  user: DataLoader<string, User | null>;
  post: DataLoader<string, Post | null>;
  /** Each author's posts (`first + 1` of them, so the page knows whether more follow). */
  postsByAuthor(page: PageArgs, viewerId?: string): DataLoader<string, Post[]>;
  /** Each post's comments (`first + 1` of them). */
  commentsByPost(page: PageArgs): DataLoader<string, Comment[]>;
}

function grouped<T>(ids: readonly string[], rows: T[], keyOf: (row: T) => string): T[][] {
  const groups = new Map<string, T[]>(ids.map((id) => [id, []]));
  for (const row of rows) groups.get(keyOf(row))?.push(row);
  return ids.map((id) => groups.get(id) ?? []);
}

export function createLoaders(container: Container): Loaders {
  const { users, posts, comments } = container;
  // One loader per page shape: lookups asking for the same page batch together.
  const paged = new Map<string, DataLoader<string, unknown[]>>();
  function pagedLoader<T>(key: string, load: (ids: readonly string[]) => Promise<T[][]>): DataLoader<string, T[]> {
    let loader = paged.get(key) as DataLoader<string, T[]> | undefined;
    if (!loader) {
      loader = new DataLoader<string, T[]>(load);
      paged.set(key, loader as DataLoader<string, unknown[]>);
    }
    return loader;
  }
  return {
    user: new DataLoader(async (ids) => byId(ids, await users.getMany(ids))),
    post: new DataLoader(async (ids) => byId(ids, await posts.getMany(ids))),
    postsByAuthor: ({ first, after }, viewerId) =>
      pagedLoader(`posts:${first}:${after ?? ''}:${viewerId ?? ''}`, async (ids) =>
        grouped(ids, await posts.listByAuthors(ids, first, after, viewerId), (post) => post.author.id),
      ),
    commentsByPost: ({ first, after }) =>
      pagedLoader(`comments:${first}:${after ?? ''}`, async (ids) =>
        grouped(ids, await comments.listForPosts(ids, first, after), (comment) => comment.postId),
      ),
  };
}
