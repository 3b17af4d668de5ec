import type { Cache } from '../../cache';
import { decodeCursor, toPage, type Page } from '../../pagination';
import { POSTS_CACHE, type PostsService } from '../posts/posts.service';
import type { CommentsRepository } from './comments.repository';
import type { Comment, CreateCommentInput } from './comments.schema';

export class CommentsService {
  constructor(
    private readonly comments: CommentsRepository,
    private readonly posts: PostsService,
    private readonly cache: Cache,
  ) {}

  async list(postId: string, limit: number, cursor?: string, viewerId?: string): Promise<Page<Comment>> {
    await this.posts.get(postId, viewerId);
    const rows = await this.comments.listForPost(postId, limit + 1, cursor ? decodeCursor(cursor) : undefined);
    return toPage(rows, limit);
  }

{%- if api_type == 'graphql' %}

  /** Each post's newest comments, in one query (takes `limit + 1` per post, like a page). */
  async listForPosts(postIds: readonly string[], limit: number, cursor?: string): Promise<Comment[]> {
    return this.comments.listForPosts(postIds, limit + 1, cursor ? decodeCursor(cursor) : undefined);
  }
{%- endif %}

  async create(postId: string, authorId: string, input: CreateCommentInput): Promise<Comment> {
    await this.posts.get(postId, authorId);
    const comment = await this.comments.create(postId, authorId, input.content);
    await this.cache.invalidate(POSTS_CACHE); // comment counts are part of cached pages
    return comment;
  }
}
