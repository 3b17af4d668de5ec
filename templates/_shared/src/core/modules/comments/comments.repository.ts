{% if api_type == 'graphql' -%}
import { Prisma } from '../../../generated/prisma/client';
{% endif -%}
import type { Db } from '../../db';
import { afterCursor, type Cursor } from '../../pagination';
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

{%- if api_type == 'graphql' %}

type CommentRow = { id: string; postId: string; content: string; createdAt: Date; authorId: string; authorName: string };
{%- endif %}

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

{%- if api_type == 'graphql' %}

  /** The newest `take` comments of each post, in one statement whatever the number of posts. Newest first. */
  async listForPosts(postIds: readonly string[], take: number, cursor?: Cursor): Promise<Comment[]> {
    const after = cursor ? Prisma.sql`AND (q.created_at, q.id) < (${cursor.createdAt}, ${cursor.id}::uuid)` : Prisma.empty;
    const rows = await this.db.$queryRaw<CommentRow[]>`
      SELECT c.id, c.post_id AS "postId", c.content, c.created_at AS "createdAt", u.id AS "authorId", u.name AS "authorName"
        FROM unnest(${[...postIds]}::uuid[]) AS a(post_id)
        CROSS JOIN LATERAL (
          SELECT * FROM comments q WHERE q.post_id = a.post_id ${after} ORDER BY q.created_at DESC, q.id DESC LIMIT ${take}
        ) c
        JOIN users u ON u.id = c.author_id
       ORDER BY c.created_at DESC, c.id DESC`;
    return rows.map((row) => toComment({ ...row, author: { id: row.authorId, name: row.authorName } }));
  }
{%- endif %}

  async create(postId: string, authorId: string, content: string): Promise<Comment> {
    const row = await this.db.comment.create({ data: { postId, authorId, content }, select: commentSelect });
    return toComment(row);
  }
}
