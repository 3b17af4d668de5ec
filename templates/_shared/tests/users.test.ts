import { useApp } from './helpers/lifecycle';
import { signUp } from './helpers/factories';

const API = '{{ api_prefix }}';

describe('users', () => {
  const app = useApp();

  it('GET /users/:id returns a user and 404 for an unknown id', async () => {
    const member = await signUp(app().api, { name: 'Grace' });
    const response = await app().api.get(`${API}/users/${member.id}`).expect(200);
    expect(response.body).toMatchObject({ id: member.id, name: 'Grace' });
    await app().api.get(`${API}/users/00000000-0000-4000-8000-000000000000`).expect(404);
  });
{%- if not auth %}

  it('POST /users refuses a duplicate email with 409', async () => {
    await app().api.post(`${API}/users`).send({ email: 'dup@example.com', name: 'One' }).expect(201);
    const response = await app().api.post(`${API}/users`).send({ email: 'DUP@example.com', name: 'Two' }).expect(409);
    expect(response.body.code).toBe('email_taken');
  });

  it('refuses writes from an X-User-Id that names nobody', async () => {
    const response = await app()
      .api.post(`${API}/posts`)
      .set('x-user-id', '00000000-0000-4000-8000-000000000000')
      .send({ title: 'Hi', content: 'There' })
      .expect(400);
    expect(response.body.code).toBe('unknown_actor');
  });
{%- endif %}
});
