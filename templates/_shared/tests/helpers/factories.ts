import { randomUUID } from 'node:crypto';
import type { Agent{% if auth %}, TestApp{% endif %} } from './app';
{%- if api_type == 'graphql' %}
import { CREATE_POST, ok{% if auth %}, REGISTER{% endif %} } from './graphql';
{%- endif %}

export function buildUser(overrides: Partial<{ email: string; name: string; password: string }> = {}) {
  return { email: `user-${randomUUID()}@example.com`, name: 'Ada Lovelace', password: 'Sup3r-secret', ...overrides };
}

export function buildPost(overrides: Partial<{ title: string; content: string; published: boolean }> = {}) {
  return { title: 'Hello world', content: 'First post.', published: true, ...overrides };
}

export interface Member {
  id: string;
  headers: Record<string, string>;
{%- if auth %}
  refreshToken: string;
  email: string;
  password: string;
{%- endif %}
}

/** A user who can write: registered and logged in{% if not auth %} (named by X-User-Id){% endif %}. */
export async function signUp(api: Agent, overrides: Parameters<typeof buildUser>[0] = {}): Promise<Member> {
  const user = buildUser(overrides);
{%- if api_type == 'graphql' and auth %}
  const { register } = await ok(api, REGISTER, { input: user });
  return {
    id: register.user.id,
    headers: { authorization: `Bearer ${register.tokens.accessToken}` },
    refreshToken: register.tokens.refreshToken,
    email: user.email,
    password: user.password,
  };
{%- elif api_type == 'graphql' %}
  const { createUser } = await ok(api, 'mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }', {
    input: { email: user.email, name: user.name },
  });
  return { id: createUser.id, headers: { 'x-user-id': createUser.id } };
{%- elif auth %}
  const response = await api.post('{{ api_prefix }}/auth/register').send(user).expect(201);
  return {
    id: response.body.user.id,
    headers: { authorization: `Bearer ${response.body.tokens.accessToken}` },
    refreshToken: response.body.tokens.refreshToken,
    email: user.email,
    password: user.password,
  };
{%- else %}
  const response = await api.post('{{ api_prefix }}/users').send({ email: user.email, name: user.name }).expect(201);
  return { id: response.body.id, headers: { 'x-user-id': response.body.id } };
{%- endif %}
}

{%- if auth %}

/** A signed-up user given the admin role (there is no API for the first admin: it is set in the database). */
export async function signUpAdmin(app: TestApp): Promise<Member> {
  const member = await signUp(app.api);
  await app.container.db.user.update({ where: { id: member.id }, data: { role: 'admin' } });
  return member;
}
{%- endif %}

export async function createPost(api: Agent, member: Member, overrides: Parameters<typeof buildPost>[0] = {}) {
{%- if api_type == 'graphql' %}
  const { createPost } = await ok(api, CREATE_POST, { input: buildPost(overrides) }, member.headers);
  return createPost as { id: string; title: string; published: boolean };
{%- else %}
  const response = await api.post('{{ api_prefix }}/posts').set(member.headers).send(buildPost(overrides)).expect(201);
  return response.body as { id: string; title: string; published: boolean };
{%- endif %}
}
