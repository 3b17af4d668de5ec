import { randomUUID } from 'node:crypto';
import type { Agent } from './app';

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
{%- if auth %}
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

export async function createPost(api: Agent, member: Member, overrides: Parameters<typeof buildPost>[0] = {}) {
  const response = await api.post('{{ api_prefix }}/posts').set(member.headers).send(buildPost(overrides)).expect(201);
  return response.body as { id: string; title: string; published: boolean };
}
