import { Prisma } from '../../../generated/prisma/client';
import type { Db } from '../../db';
import { NotFoundError } from '../../errors';
import type { Cursor } from '../../pagination';
import type { CreatePostInput, Post, UpdatePostInput } from './posts.schema';

/**
 * Posts with their author and counts, in one statement. Prisma's `_count` would join a
 * GROUP BY over the whole comments and likes tables on every call; these correlated
 * counts read only the rows of the posts returned, through the post_id indexes.
 */
const POST_COLUMNS = Prisma.sql`
  p.id, p.title, p.content, p.published, p.created_at AS "createdAt", p.updated_at AS "updatedAt",
  u.id AS "authorId", u.name AS "authorName",
  (SELECT count(*)::int FROM comments c WHERE c.post_id = p.id) AS comments,
  (SELECT count(*)::int FROM likes l WHERE l.post_id = p.id) AS likes`;
const SELECT_POSTS = Prisma.sql`SELECT ${POST_COLUMNS} FROM posts p JOIN users u ON u.id = p.author_id`;

type PostRow = {
  id: string;
  title: string;
  content: string;
  published: boolean;
  createdAt: Date;
  updatedAt: Date;
  authorId: string;
  authorName: string;
  comments: number;
  likes: number;
};

function toPost(row: PostRow): Post {
  return {
    id: row.id,
    title: row.title,
    content: row.content,
    published: row.published,
    author: { id: row.authorId, name: row.authorName },
    counts: { comments: row.comments, likes: row.likes },
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export class PostsRepository {
  constructor(private readonly db: Db) {}

  /** Published posts, newest first; returns up to `take` rows. */
  async listPublished(take: number, cursor?: Cursor): Promise<Post[]> {
    const after = cursor ? Prisma.sql`AND (p.created_at, p.id) < (${cursor.createdAt}, ${cursor.id}::uuid)` : Prisma.empty;
    const rows = await this.db.$queryRaw<PostRow[]>`
      ${SELECT_POSTS} WHERE p.published ${after} ORDER BY p.created_at DESC, p.id DESC LIMIT ${take}`;
    return rows.map(toPost);
  }

  async findById(id: string): Promise<Post | null> {
    const rows = await this.db.$queryRaw<PostRow[]>`${SELECT_POSTS} WHERE p.id = ${id}::uuid`;
    return rows[0] ? toPost(rows[0]) : null;
  }

{%- if api_type == 'graphql' %}

  /** Posts by id, in one statement (what the GraphQL post loader batches into). */
  async findByIds(ids: readonly string[]): Promise<Post[]> {
    const rows = await this.db.$queryRaw<PostRow[]>`${SELECT_POSTS} WHERE p.id = ANY(${[...ids]}::uuid[])`;
    return rows.map(toPost);
  }

  /**
   * The newest `take` posts of each author, in one statement whatever the number of authors:
   * published posts, and the viewer's own drafts. Newest first.
   */
  async listByAuthors(authorIds: readonly string[], take: number, cursor?: Cursor, viewerId?: string): Promise<Post[]> {
    const visible = viewerId ? Prisma.sql`(q.published OR q.author_id = ${viewerId}::uuid)` : Prisma.sql`q.published`;
    const after = cursor ? Prisma.sql`AND (q.created_at, q.id) < (${cursor.createdAt}, ${cursor.id}::uuid)` : Prisma.empty;
    const rows = await this.db.$queryRaw<PostRow[]>`
      SELECT ${POST_COLUMNS}
        FROM unnest(${[...authorIds]}::uuid[]) AS a(author_id)
        JOIN users u ON u.id = a.author_id
        CROSS JOIN LATERAL (
          SELECT * FROM posts q WHERE q.author_id = a.author_id AND ${visible} ${after}
           ORDER BY q.created_at DESC, q.id DESC LIMIT ${take}
        ) p
       ORDER BY p.created_at DESC, p.id DESC`;
    return rows.map(toPost);
  }
{%- endif %}

  async create(authorId: string, input: CreatePostInput): Promise<Post> {
    const { id } = await this.db.post.create({ data: { ...input, authorId }, select: { id: true } });
    return this.reload(id);
  }

  async update(id: string, input: UpdatePostInput): Promise<Post> {
    await this.db.post.update({ where: { id }, data: input, select: { id: true } });
    return this.reload(id);
  }

  private async reload(id: string): Promise<Post> {
    const post = await this.findById(id);
    if (!post) throw new NotFoundError(`No post has id ${id}.`, 'post_not_found');
    return post;
  }

  async delete(id: string): Promise<void> {
    await this.db.post.delete({ where: { id } });
  }

  /** Idempotent: a second like by the same user changes nothing. */
  async like(postId: string, userId: string): Promise<number> {
    await this.db.like.createMany({ data: [{ postId, userId }], skipDuplicates: true });
    return this.db.like.count({ where: { postId } });
  }

  async unlike(postId: string, userId: string): Promise<number> {
    await this.db.like.deleteMany({ where: { postId, userId } });
    return this.db.like.count({ where: { postId } });
  }
}
