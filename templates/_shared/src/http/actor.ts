import type { Container } from '../core/container';
import { {% if not auth %}BadRequestError, {% endif %}UnauthorizedError } from '../core/errors';
import { currentRequest } from '../core/request-context';
{%- if auth %}
import type { Principal } from '../core/modules/auth/auth.service';
import type { Role } from '../core/modules/users/users.schema';
{%- endif %}

/**
 * `public`: anyone. `optional`: anyone, and the actor is known when credentials are sent.
 * `user`: an identified user only.{% if auth %} `verified`: a user whose email is verified (unless
 * UNVERIFIED_USER_ACCESS=full). `admin`: a user with the admin role.{% endif %}
 */
export type Access = 'public' | 'optional' | 'user'{% if auth %} | 'verified' | 'admin'{% endif %};

/** Who is acting on a request: nobody (anonymous), or a user{% if auth %}, their role and the session their token belongs to{% endif %}. */
export interface Actor {
  userId?: string;
{%- if auth %}
  role?: Role;
  sessionId?: string;
{%- endif %}
}

export type Headers = Record<string, string | string[] | undefined>;

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
{%- if auth %}

function bearer(headers: Headers): string | undefined {
  const header = single(headers.authorization);
  if (!header) return undefined;
  const [scheme, token] = header.split(' ');
  if (scheme?.toLowerCase() !== 'bearer' || !token) {
    throw new UnauthorizedError('Send the access token as `Authorization: Bearer <token>`.', 'invalid_authorization_header');
  }
  return token;
}

/**
 * Resolves the acting user from the bearer token and checks what the operation asks of them
 * (the core's `authorize`). A missing token is fine only where access is `optional`. A caller that
 * checks several rules in one request passes its own `authenticate` to look the session up once.
 */
export async function resolveActor(
  container: Container,
  headers: Headers,
  access: Exclude<Access, 'public'>,
  authenticate: (token: string) => Promise<Principal> = (token) => container.auth.authenticate(token),
): Promise<Actor> {
  const token = bearer(headers);
  if (!token) {
    if (access !== 'optional') throw new UnauthorizedError();
    return {};
  }
  const principal = await authenticate(token);
  const request = currentRequest();
  if (request) Object.assign(request, { userId: principal.userId, sessionId: principal.sessionId });
  if (access !== 'optional') container.auth.authorize(principal, access);
  return { userId: principal.userId, role: principal.role, sessionId: principal.sessionId };
}
{%- else %}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Without authentication the caller names the acting user in `X-User-Id`
 * (for trusted, internal deployments). The user must exist.
 */
export async function resolveActor(container: Container, headers: Headers, access: Exclude<Access, 'public'>): Promise<Actor> {
  const id = single(headers['x-user-id']);
  if (!id) {
    if (access !== 'optional') throw new BadRequestError('Name the acting user in the `X-User-Id` header (a user id).', 'actor_required');
    return {};
  }
  if (!UUID.test(id) || !(await container.users.exists(id))) {
    throw new BadRequestError('`X-User-Id` does not name an existing user; create one with POST {{ api_prefix }}/users.', 'unknown_actor');
  }
  const request = currentRequest();
  if (request) request.userId = id;
  return { userId: id };
}
{%- endif %}

/** The acting user id; operations that call this are declared with `access: 'user'`. */
export function actorId(actor: Actor): string {
  if (!actor.userId) throw new UnauthorizedError();
  return actor.userId;
}
