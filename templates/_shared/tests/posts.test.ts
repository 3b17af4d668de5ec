import { useApp } from './helpers/lifecycle';
import { createPost, signUp, type Member } from './helpers/factories';

const API = '{{ api_prefix }}';

describe('posts, comments and likes', () => {
  const app = useApp();
  let alice: Member;
  let bob: Member;

  beforeEach(async () => {
    alice = await signUp(app().api, { name: 'Alice' });
    bob = await signUp(app().api, { name: 'Bob' });
  });

  describe('POST /posts', () => {
    it('when the body is valid, then the post is created with its author and zero counts', async () => {
      const response = await app().api.post(`${API}/posts`).set(alice.headers).send({ title: 'Hi', content: 'There' }).expect(201);
      expect(response.body).toMatchObject({
        title: 'Hi',
        content: 'There',
        published: true,
        author: { id: alice.id, name: 'Alice' },
        counts: { comments: 0, likes: 0 },
      });
    });

    it('when fields are missing or wrong, then a 400 problem names each field', async () => {
      const response = await app().api.post(`${API}/posts`).set(alice.headers).send({ title: '', published: 'yes' }).expect(400);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
      const fields = response.body.errors.map((e: { field: string }) => e.field).sort();
      expect(fields).toEqual(['content', 'published', 'title']);
    });

    it('when text holds a character PostgreSQL cannot store (NUL), then a 400 names the field instead of a 500', async () => {
      const response = await app().api.post(`${API}/posts`).set(alice.headers).send({ title: 'a\u0000b', content: 'ok' }).expect(400);
      expect(response.body.errors).toEqual([{ field: 'title', message: 'must not contain the NUL character (\\u0000)' }]);
    });

    it('when the body is not JSON, then it answers 400 malformed_json', async () => {
      const response = await app().api.post(`${API}/posts`).set(alice.headers).set('content-type', 'application/json').send('{"title":');
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('malformed_json');
    });

    it('when the body is too large, then it answers 413', async () => {
      const response = await app()
        .api.post(`${API}/posts`)
        .set(alice.headers)
        .send({ title: 'big', content: 'x'.repeat(200_000) });
      expect(response.status).toBe(413);
      expect(response.body.code).toBe('payload_too_large');
    });

    it('when nobody is acting, then it is refused', async () => {
      const response = await app().api.post(`${API}/posts`).send({ title: 'Hi', content: 'There' });
      expect(response.status).toBe({% if auth %}401{% else %}400{% endif %});
      expect(response.body.code).toBe('{% if auth %}unauthorized{% else %}actor_required{% endif %}');
    });
  });

  describe('GET /posts', () => {
    it('pages through published posts newest first with a cursor', async () => {
      for (let i = 0; i < 5; i += 1) await createPost(app().api, alice, { title: `post ${i}` });
      await createPost(app().api, alice, { title: 'draft', published: false });

      const first = await app().api.get(`${API}/posts?limit=3`).expect(200);
      expect(first.body.data.map((p: { title: string }) => p.title)).toEqual(['post 4', 'post 3', 'post 2']);
      expect(first.body.nextCursor).toEqual(expect.any(String));

      const second = await app().api.get(`${API}/posts?limit=3&cursor=${first.body.nextCursor}`).expect(200);
      expect(second.body.data.map((p: { title: string }) => p.title)).toEqual(['post 1', 'post 0']);
      expect(second.body.nextCursor).toBeNull();
    });

    it('shows a new post at once although the list was cached', async () => {
      await app().api.get(`${API}/posts`).expect(200);
      await createPost(app().api, alice, { title: 'fresh' });
      const response = await app().api.get(`${API}/posts`).expect(200);
      expect(response.body.data[0].title).toBe('fresh');
    });

{%- if cache %}

    it('caches the first page of each size only: a cursor adds no cache entry', async () => {
      for (let i = 0; i < 3; i += 1) await createPost(app().api, alice);
      const first = await app().api.get(`${API}/posts?limit=1`).expect(200);
      await app().api.get(`${API}/posts?limit=1&cursor=${first.body.nextCursor}`).expect(200);
      expect(await app().container.redis.hkeys('cache:posts')).toEqual(['1']);
    });
{%- endif %}

    it('refuses a cursor it did not issue and a limit out of range', async () => {
      const bogus = await app().api.get(`${API}/posts?cursor=bogus`).expect(400);
      expect(bogus.body.errors[0].field).toBe('cursor');
      // A cursor with a time PostgreSQL cannot hold (a signed six-digit year), and one with a day no month has.
      const outOfRange = Buffer.from('-200000-01-01T00:00:00.000Z|5f0e2a4c-8b1d-4c3e-9a7f-2d6b8e1c0a93').toString('base64url');
      expect((await app().api.get(`${API}/posts?cursor=${outOfRange}`).expect(400)).body.code).toBe('validation_failed');
      const notIssued = Buffer.from('2026-02-30T00:00:00.000Z|5f0e2a4c-8b1d-4c3e-9a7f-2d6b8e1c0a93').toString('base64url');
      expect((await app().api.get(`${API}/posts?cursor=${notIssued}`).expect(400)).body.code).toBe('invalid_cursor');
      const response = await app().api.get(`${API}/posts?limit=1000`).expect(400);
      expect(response.body.errors[0].field).toBe('limit');
    });
  });

  describe('GET /posts/:id', () => {
    it('answers 400 for a malformed id and 404 for an unknown one', async () => {
      expect((await app().api.get(`${API}/posts/not-a-uuid`)).status).toBe(400);
      const response = await app().api.get(`${API}/posts/00000000-0000-4000-8000-000000000000`).expect(404);
      expect(response.body.code).toBe('post_not_found');
    });

    it('shows a draft to its author only', async () => {
      const draft = await createPost(app().api, alice, { published: false });
      await app().api.get(`${API}/posts/${draft.id}`).set(alice.headers).expect(200);
      await app().api.get(`${API}/posts/${draft.id}`).set(bob.headers).expect(404);
      await app().api.get(`${API}/posts/${draft.id}`).expect(404);
    });
  });

  describe('PATCH and DELETE /posts/:id', () => {
    it('lets the author edit and delete the post', async () => {
      const post = await createPost(app().api, alice);
      const edited = await app().api.patch(`${API}/posts/${post.id}`).set(alice.headers).send({ title: 'Edited' }).expect(200);
      expect(edited.body.title).toBe('Edited');
      await app().api.delete(`${API}/posts/${post.id}`).set(alice.headers).expect(204);
      await app().api.get(`${API}/posts/${post.id}`).expect(404);
    });

    it('forbids anyone else with 403', async () => {
      const post = await createPost(app().api, alice);
      const response = await app().api.patch(`${API}/posts/${post.id}`).set(bob.headers).send({ title: 'Mine now' }).expect(403);
      expect(response.body.code).toBe('not_post_author');
      await app().api.delete(`${API}/posts/${post.id}`).set(bob.headers).expect(403);
    });

    it('refuses an empty edit', async () => {
      const post = await createPost(app().api, alice);
      await app().api.patch(`${API}/posts/${post.id}`).set(alice.headers).send({}).expect(400);
    });
  });

  describe('likes and comments', () => {
    it('counts a like once however often it is sent, and takes it back', async () => {
      const post = await createPost(app().api, alice);
      await app().api.put(`${API}/posts/${post.id}/like`).set(bob.headers).expect(200);
      const again = await app().api.put(`${API}/posts/${post.id}/like`).set(bob.headers).expect(200);
      expect(again.body).toEqual({ liked: true, likes: 1 });
      const undone = await app().api.delete(`${API}/posts/${post.id}/like`).set(bob.headers).expect(200);
      expect(undone.body).toEqual({ liked: false, likes: 0 });
    });

    it('adds comments, lists them and reflects both counts in the list', async () => {
      const post = await createPost(app().api, alice);
      const comment = await app().api.post(`${API}/posts/${post.id}/comments`).set(bob.headers).send({ content: 'Great' }).expect(201);
      expect(comment.body).toMatchObject({ postId: post.id, content: 'Great', author: { id: bob.id, name: 'Bob' } });
      await app().api.put(`${API}/posts/${post.id}/like`).set(bob.headers).expect(200);

      const comments = await app().api.get(`${API}/posts/${post.id}/comments`).expect(200);
      expect(comments.body.data).toHaveLength(1);
      const list = await app().api.get(`${API}/posts`).expect(200);
      expect(list.body.data[0].counts).toEqual({ comments: 1, likes: 1 });
    });

    it('refuses an empty comment and a comment on an unknown post', async () => {
      const post = await createPost(app().api, alice);
      await app().api.post(`${API}/posts/${post.id}/comments`).set(bob.headers).send({ content: '   ' }).expect(400);
      await app()
        .api.post(`${API}/posts/00000000-0000-4000-8000-000000000000/comments`)
        .set(bob.headers)
        .send({ content: 'Hi' })
        .expect(404);
    });
  });

  it('answers an unknown route with a 404 problem', async () => {
    const response = await app().api.get(`${API}/nothing-here`).expect(404);
    expect(response.body).toMatchObject({ status: 404, code: 'route_not_found' });
  });
});
