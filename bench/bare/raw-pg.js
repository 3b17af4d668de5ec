// The floor an ORM and a framework's layers are measured against: bare Fastify and the raw `pg`
// driver answering what the generated projects answer, each in the fewest hand-written statements.
//   GET  /posts      the first page: 20 published posts, newest first, with author and counts
//   GET  /posts/:id  one post, the same shape
//   POST /posts      a published post written by the caller of an HS256 bearer token (checked as
//                    the projects check it: algorithm, expiry, `typ` and `sid` claims; not the
//                    issuer and audience, nor the session behind it), in the one statement the
//                    projects run
//   POST /graphql    Apollo Server on Fastify with hand-written raw-`pg` resolvers for
//                    users > posts > comments > author, each level batched into one statement
//                    per request (as the projects' loaders do)
const fastify = require('fastify')();
const { Pool } = require('pg');
const jwt = require('jsonwebtoken');
const { createSecretKey } = require('node:crypto');
const { ApolloServer } = require('@apollo/server');
const { default: fastifyApollo, fastifyApolloDrainPlugin } = require('@as-integrations/fastify');

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const COLUMNS = `p.id, p.title, p.content, p.published, p.created_at, p.updated_at, u.id AS author_id, u.name AS author_name,
  (SELECT count(*)::int FROM comments c WHERE c.post_id = p.id) AS comments,
  (SELECT count(*)::int FROM likes l WHERE l.post_id = p.id) AS likes`;
const LIST = `SELECT ${COLUMNS} FROM posts p JOIN users u ON u.id = p.author_id
   WHERE p.published ORDER BY p.created_at DESC, p.id DESC LIMIT $1`;
const BY_ID = `SELECT ${COLUMNS} FROM posts p JOIN users u ON u.id = p.author_id WHERE p.id = $1`;
const INSERT = `WITH p AS (INSERT INTO posts (title, content, published, author_id) VALUES ($1, $2, true, $3) RETURNING *)
  SELECT ${COLUMNS} FROM p JOIN users u ON u.id = p.author_id`;
const SECRET = createSecretKey(Buffer.from(process.env.JWT_SECRET ?? 'unset', 'utf8'));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const toPost = (row) => ({
  id: row.id,
  title: row.title,
  content: row.content,
  published: row.published,
  author: { id: row.author_id, name: row.author_name },
  counts: { comments: row.comments, likes: row.likes },
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

fastify.get('/health', async () => ({ status: 'ok' }));

fastify.get('/posts', async () => {
  const limit = 20;
  const { rows } = await pool.query(LIST, [limit + 1]);
  const data = rows.slice(0, limit).map(toPost);
  const last = data[data.length - 1];
  const nextCursor = rows.length > limit && last ? Buffer.from(`${last.createdAt}|${last.id}`).toString('base64url') : null;
  return { data, nextCursor };
});

fastify.get('/posts/:id', async (request, reply) => {
  if (!UUID.test(request.params.id)) return reply.code(400).send({ title: 'Bad id' });
  const { rows } = await pool.query(BY_ID, [request.params.id]);
  return rows[0] ? toPost(rows[0]) : reply.code(404).send({ title: 'Not found' });
});

fastify.post('/posts', async (request, reply) => {
  const header = request.headers.authorization ?? '';
  let claims;
  try {
    claims = jwt.verify(header.slice(7), SECRET, { algorithms: ['HS256'] });
  } catch {
    return reply.code(401).send({ title: 'Unauthorized' });
  }
  if (!header.startsWith('Bearer ') || claims.typ !== 'access' || typeof claims.sub !== 'string' || typeof claims.sid !== 'string') {
    return reply.code(401).send({ title: 'Unauthorized' });
  }
  const { title, content } = request.body ?? {};
  if (typeof title !== 'string' || typeof content !== 'string') return reply.code(400).send({ title: 'Bad body' });
  const { rows } = await pool.query(INSERT, [title, content, claims.sub]);
  return reply.code(201).send(toPost(rows[0]));
});

// One batch per level and request: the keys asked for in one tick are read in one statement.
function loader(load) {
  const pending = new Map();
  let scheduled = false;
  return (key) =>
    new Promise((resolve, reject) => {
      const waiting = pending.get(key) ?? [];
      waiting.push({ resolve, reject });
      pending.set(key, waiting);
      if (scheduled) return;
      scheduled = true;
      process.nextTick(async () => {
        const batch = new Map(pending);
        pending.clear();
        scheduled = false;
        try {
          const found = await load([...batch.keys()]);
          for (const [k, waiters] of batch) for (const w of waiters) w.resolve(found.get(k) ?? []);
        } catch (error) {
          for (const waiters of batch.values()) for (const w of waiters) w.reject(error);
        }
      });
    });
}

function grouped(rows, key) {
  const groups = new Map();
  for (const row of rows) {
    const list = groups.get(row[key]) ?? [];
    list.push(row);
    groups.set(row[key], list);
  }
  return groups;
}

const typeDefs = `
  type Query { users(first: Int = 20): UserConnection! hello: String! }
  type UserConnection { nodes: [User!]! }
  type User { id: ID! name: String! posts(first: Int = 20): PostConnection! }
  type PostConnection { nodes: [Post!]! }
  type Post { id: ID! title: String! comments(first: Int = 20): CommentConnection! }
  type CommentConnection { nodes: [Comment!]! }
  type Comment { id: ID! content: String! author: User! }
`;
const resolvers = {
  Query: {
    hello: () => 'world',
    users: async (_, { first }) => ({
      nodes: (await pool.query('SELECT id, name FROM users ORDER BY created_at DESC, id DESC LIMIT $1', [first])).rows,
    }),
  },
  User: { posts: async (user, { first }, context) => ({ nodes: await context.posts(first)(user.id) }) },
  Post: { comments: async (post, { first }, context) => ({ nodes: await context.comments(first)(post.id) }) },
  Comment: { author: async (comment, _, context) => (await context.users(comment.author_id))[0] },
};

function context() {
  const perFirst = (load) => {
    const byFirst = new Map();
    return (first) => {
      if (!byFirst.has(first)) byFirst.set(first, loader((ids) => load(ids, first)));
      return byFirst.get(first);
    };
  };
  return {
    posts: perFirst(async (ids, first) => {
      const { rows } = await pool.query(
        `SELECT p.id, p.title, p.author_id FROM unnest($1::uuid[]) AS a(author_id)
           CROSS JOIN LATERAL (SELECT id, title, author_id, created_at FROM posts q
                                WHERE q.author_id = a.author_id AND q.published
                                ORDER BY q.created_at DESC, q.id DESC LIMIT $2) p`,
        [ids, first],
      );
      return grouped(rows, 'author_id');
    }),
    comments: perFirst(async (ids, first) => {
      const { rows } = await pool.query(
        `SELECT c.id, c.content, c.post_id, c.author_id FROM unnest($1::uuid[]) AS a(post_id)
           CROSS JOIN LATERAL (SELECT id, content, post_id, author_id, created_at FROM comments q
                                WHERE q.post_id = a.post_id
                                ORDER BY q.created_at DESC, q.id DESC LIMIT $2) c`,
        [ids, first],
      );
      return grouped(rows, 'post_id');
    }),
    users: loader(async (ids) => grouped((await pool.query('SELECT id, name FROM users WHERE id = ANY($1::uuid[])', [ids])).rows, 'id')),
  };
}

async function main() {
  const apollo = new ApolloServer({ typeDefs, resolvers, plugins: [fastifyApolloDrainPlugin(fastify)] });
  await apollo.start();
  await fastify.register(fastifyApollo(apollo), { context: async () => context() });
  await fastify.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
}
main();
