import type { Db } from '../../db';
import type { Cursor } from '../../pagination';
import type { CreatePostInput, Post, UpdatePostInput } from './posts.schema';

/** One query for a page: author joined, counts aggregated; no query per row. */
const postSelect = {
  id: true,
  title: true,
  content: true,
  published: true,
  createdAt: true,
  updatedAt: true,
  author: { select: { id: true, name: true } },
  _count: { select: { comments: true, likes: true } },
} as const;

type PostRow = {
  id: string;
  title: string;
  content: string;
  published: boolean;
  createdAt: Date;
  updatedAt: Date;
  author: { id: string; name: string };
  _count: { comments: number; likes: number };
};

function toPost(row: PostRow): Post {
  return {
    id: row.id,
    title: row.title,
    content: row.content,
    published: row.published,
    author: row.author,
    counts: { comments: row._count.comments, likes: row._count.likes },
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function afterCursor(cursor: Cursor | undefined) {
  return cursor ? { OR: [{ createdAt: { lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { lt: cursor.id } }] } : {};
}

export class PostsRepository {
  constructor(private readonly db: Db) {}

  /** Published posts, newest first; returns up to `take` rows. */
  async listPublished(take: number, cursor?: Cursor): Promise<Post[]> {
    const rows = await this.db.post.findMany({
      where: { published: true, ...afterCursor(cursor) },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take,
      select: postSelect,
    });
    return rows.map(toPost);
  }

  async findById(id: string): Promise<Post | null> {
    const row = await this.db.post.findUnique({ where: { id }, select: postSelect });
    return row ? toPost(row) : null;
  }

  async create(authorId: string, input: CreatePostInput): Promise<Post> {
    const row = await this.db.post.create({ data: { ...input, authorId }, select: postSelect });
    return toPost(row);
  }

  async update(id: string, input: UpdatePostInput): Promise<Post> {
    const row = await this.db.post.update({ where: { id }, data: input, select: postSelect });
    return toPost(row);
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
