import type { Db } from '../../db';
import type { Cursor } from '../../pagination';
import { afterCursor } from '../posts/posts.repository';
import type { Comment } from './comments.schema';

const commentSelect = {
  id: true,
  postId: true,
  content: true,
  createdAt: true,
  author: { select: { id: true, name: true } },
} as const;

function toComment(row: { id: string; postId: string; content: string; createdAt: Date; author: { id: string; name: string } }): Comment {
  return { id: row.id, postId: row.postId, content: row.content, author: row.author, createdAt: row.createdAt.toISOString() };
}

export class CommentsRepository {
  constructor(private readonly db: Db) {}

  async listForPost(postId: string, take: number, cursor?: Cursor): Promise<Comment[]> {
    const rows = await this.db.comment.findMany({
      where: { postId, ...afterCursor(cursor) },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take,
      select: commentSelect,
    });
    return rows.map(toComment);
  }

  async create(postId: string, authorId: string, content: string): Promise<Comment> {
    const row = await this.db.comment.create({ data: { postId, authorId, content }, select: commentSelect });
    return toComment(row);
  }
}
