import type { Cache } from '../../cache';
import { ForbiddenError, NotFoundError } from '../../errors';
import { decodeCursor, toPage, type Cursor, type Page } from '../../pagination';
import type { PostsRepository } from './posts.repository';
import type { CreatePostInput, LikeState, Post, UpdatePostInput } from './posts.schema';

export const POSTS_CACHE = 'posts';

export class PostsService {
  constructor(
    private readonly posts: PostsRepository,
    private readonly cache: Cache,
  ) {}

  private readonly loading = new Map<string, Promise<Page<Post>>>();

  /**
   * The hot read. The first page (of each size) is served from the cache when warm, and
   * concurrent misses of it share one query, so a cold or just-invalidated cache is not
   * stampeded by every request in flight. Later pages come from PostgreSQL (an index range
   * scan): any client can name any position with a cursor, and caching each one would let it
   * fill Redis with entries nobody reads twice. So the cache holds at most MAX_PAGE_SIZE keys.
   */
  async list(limit: number, cursor?: string): Promise<Page<Post>> {
    if (cursor || !this.cache.enabled) return this.page(limit, cursor ? decodeCursor(cursor) : undefined);
    const key = String(limit);
    const cached = await this.cache.get<Page<Post>>(POSTS_CACHE, key);
    if (cached) return cached;
    let loading = this.loading.get(key);
    if (!loading) {
      loading = this.load(limit, key).finally(() => this.loading.delete(key));
      this.loading.set(key, loading);
    }
    return loading;
  }

  private async load(limit: number, key: string): Promise<Page<Post>> {
    const page = await this.page(limit, undefined);
    await this.cache.set(POSTS_CACHE, key, page);
    return page;
  }

  private async page(limit: number, after: Cursor | undefined): Promise<Page<Post>> {
    return toPage(await this.posts.listPublished(limit + 1, after), limit);
  }

  /** Drafts are visible to their author only; to anyone else they do not exist. */
  async get(id: string, viewerId?: string): Promise<Post> {
    const post = await this.posts.findById(id);
    if (!post || !this.visibleTo(post, viewerId)) {
      throw new NotFoundError(`No post has id ${id}.`, 'post_not_found');
    }
    return post;
  }

{%- if api_type == 'graphql' %}

  /** Posts by id, in one query, whatever their visibility (callers check it with `visibleTo`). */
  async getMany(ids: readonly string[]): Promise<Post[]> {
    return this.posts.findByIds(ids);
  }

  /** Each author's newest posts in one query: published ones, and the viewer's own drafts. */
  async listByAuthors(authorIds: readonly string[], limit: number, cursor?: string, viewerId?: string): Promise<Post[]> {
    return this.posts.listByAuthors(authorIds, limit + 1, cursor ? decodeCursor(cursor) : undefined, viewerId);
  }
{%- endif %}

  /** Drafts are visible to their author only. */
  visibleTo(post: Post, viewerId?: string): boolean {
    return post.published || post.author.id === viewerId;
  }

  async create(authorId: string, input: CreatePostInput): Promise<Post> {
    const post = await this.posts.create(authorId, input);
    await this.cache.invalidate(POSTS_CACHE);
    return post;
  }

  async update(id: string, actorId: string, input: UpdatePostInput): Promise<Post> {
    await this.ownedBy(id, actorId);
    const post = await this.posts.update(id, input);
    await this.cache.invalidate(POSTS_CACHE);
    return post;
  }

  async delete(id: string, actorId: string): Promise<void> {
    await this.ownedBy(id, actorId);
    await this.posts.delete(id);
    await this.cache.invalidate(POSTS_CACHE);
  }

  async like(id: string, userId: string): Promise<LikeState> {
    await this.get(id, userId);
    const likes = await this.posts.like(id, userId);
    await this.cache.invalidate(POSTS_CACHE);
    return { liked: true, likes };
  }

  async unlike(id: string, userId: string): Promise<LikeState> {
    await this.get(id, userId);
    const likes = await this.posts.unlike(id, userId);
    await this.cache.invalidate(POSTS_CACHE);
    return { liked: false, likes };
  }

  private async ownedBy(id: string, actorId: string): Promise<Post> {
    const post = await this.get(id, actorId);
    if (post.author.id !== actorId) {
      throw new ForbiddenError('Only the author can change or delete this post.', 'not_post_author');
    }
    return post;
  }
}
