// Bare Fastify + raw `pg`: the generated posts list (20 published posts, newest first, with
// author and counts) in one hand-written query, the floor an ORM is measured against.
const fastify = require('fastify')();
const { Pool } = require('pg');

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const LIST = `
  SELECT p.id, p.title, p.content, p.published, p.created_at, p.updated_at, u.id AS author_id, u.name AS author_name,
         (SELECT count(*)::int FROM comments c WHERE c.post_id = p.id) AS comments,
         (SELECT count(*)::int FROM likes l WHERE l.post_id = p.id) AS likes
    FROM posts p JOIN users u ON u.id = p.author_id
   WHERE p.published
   ORDER BY p.created_at DESC, p.id DESC
   LIMIT $1`;

fastify.get('/health', async () => ({ status: 'ok' }));
fastify.get('/posts', async () => {
  const limit = 20;
  const { rows } = await pool.query(LIST, [limit + 1]);
  const data = rows.slice(0, limit).map((row) => ({
    id: row.id,
    title: row.title,
    content: row.content,
    published: row.published,
    author: { id: row.author_id, name: row.author_name },
    counts: { comments: row.comments, likes: row.likes },
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  }));
  const last = data[data.length - 1];
  const nextCursor = rows.length > limit && last ? Buffer.from(`${last.createdAt}|${last.id}`).toString('base64url') : null;
  return { data, nextCursor };
});
fastify.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
