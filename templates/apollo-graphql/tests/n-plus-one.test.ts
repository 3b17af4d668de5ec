import { Client } from 'pg';
import type { TestApp } from './helpers/app';
import { ok } from './helpers/graphql';
import { useApp } from './helpers/lifecycle';

/** The relation the DataLoaders exist for: users, their posts, the posts' comments, the comments' authors. */
function nested(author: string): string {
  return `{
    users(first: 50) {
      nodes {
        name
        posts(first: 10) {
          nodes { title commentCount comments(first: 10) { nodes { content author { ${author} } } } }
        }
      }
    }
  }`;
}

/** Seeds `users` users with `posts` posts each and `comments` comments on every post, by other users. */
async function seed({ container }: TestApp, users: number, posts: number, comments: number): Promise<void> {
  await container.db.$executeRawUnsafe(
    `INSERT INTO users (email, name) SELECT format('n1-%s@example.com', i), format('User %s', i) FROM generate_series(1, ${users}) AS i`,
  );
  await container.db.$executeRawUnsafe(
    `INSERT INTO posts (title, content, published, author_id)
     SELECT format('Post %s of %s', n, u.name), 'Body', true, u.id FROM users u, generate_series(1, ${posts}) AS n`,
  );
  await container.db.$executeRawUnsafe(
    `INSERT INTO comments (content, post_id, author_id)
     SELECT format('Comment %s', n), p.id, (SELECT id FROM users WHERE id <> p.author_id ORDER BY random() LIMIT 1)
       FROM posts p, generate_series(1, ${comments}) AS n`,
  );
}

/** Runs the nested query and returns how many statements it sent to PostgreSQL, and what it read. */
async function statementsFor(
  app: TestApp,
  author = 'name createdAt',
): Promise<{ statements: number; users: number; posts: number; comments: number }> {
  const spy = jest.spyOn(Client.prototype, 'query');
  try {
    const { users } = await ok(app.api, nested(author));
    const posts = users.nodes.flatMap((user: { posts: { nodes: unknown[] } }) => user.posts.nodes);
    const comments = posts.flatMap((post: { comments: { nodes: Array<{ author: { name: string } }> } }) => post.comments.nodes);
    expect(comments.every((comment: { author: { name: string } }) => comment.author.name.startsWith('User '))).toBe(true);
    return { statements: spy.mock.calls.length, users: users.nodes.length, posts: posts.length, comments: comments.length };
  } finally {
    spy.mockRestore();
  }
}

describe('no N+1 queries: users { posts { comments { author } } }', () => {
  const app = useApp();

  it('sends the same few statements for 3 users as for 40, counted at the PostgreSQL driver', async () => {
    await seed(app(), 3, 2, 2);
    const small = await statementsFor(app());
    expect(small).toMatchObject({ users: 3, posts: 6, comments: 12 });

    await app().container.db.$executeRawUnsafe('TRUNCATE users, posts, comments CASCADE');
    await seed(app(), 40, 5, 4);
    const large = await statementsFor(app());
    expect(large).toMatchObject({ users: 40, posts: 200, comments: 800 });

    // One statement per level: users, their posts, the posts' comments, the comments' authors.
    expect(small.statements).toBe(4);
    expect(large.statements).toBe(small.statements);
  });

  it('reads an author from the comment row, with no query, when only its id and name are asked for', async () => {
    await seed(app(), 10, 2, 3);
    const light = await statementsFor(app(), 'id name');
    expect(light).toMatchObject({ users: 10, posts: 20, comments: 60, statements: 3 });
  });

  it('batches lookups across aliases and fragments of one request', async () => {
    await seed(app(), 5, 1, 1);
    const spy = jest.spyOn(Client.prototype, 'query');
    try {
      const query = `fragment Author on Comment { author { name createdAt } }
        { a: users(first: 5) { nodes { posts { nodes { comments { nodes { ...Author } } } } } }
          b: users(first: 5) { nodes { posts { nodes { comments { nodes { ...Author } } } } } } }`;
      const data = await ok(app().api, query);
      expect(data.a).toEqual(data.b);
      // Two user pages, then one batched statement per level for both aliases.
      expect(spy.mock.calls.length).toBe(5);
    } finally {
      spy.mockRestore();
    }
  });
});
