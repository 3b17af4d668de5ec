import { z } from 'zod';
import { ProblemSchema } from '../core/errors';
import type { Access, Actor } from './actor';

export type { Access };

/**
 * What an operation is: its path, schemas, access rule and handler, declared once in
 * src/http/operations/ and turned by each stack's adapter (src/app.ts) into its own routes,
 * validation and OpenAPI document, so the stacks cannot drift apart.
 */

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface Input<P = unknown, Q = unknown, B = unknown> {
  params: P;
  query: Q;
  body: B;
  actor: Actor;
}

/** A reply other than the operation's own success body: another status or content type. */
export class RawReply {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly contentType: string,
  ) {}
}

export interface Operation {
  method: Method;
  /** Express/Fastify path syntax (`/posts/:id`), relative to the API prefix unless `root`. */
  path: string;
  /** Served outside the API prefix (health and metrics). */
  root?: boolean;
  tags: string[];
  summary: string;
  access: Access;
  /** Subject to the stricter per-client limit for credential endpoints. */
  rateLimited?: boolean;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Documented request headers (validation of the actor header happens in `resolveActor`). */
  headers?: z.ZodObject;
  /** The status of a successful call; 204 sends no body. */
  status: number;
  responses: Record<number, z.ZodType>;
  handle(input: Input): Promise<unknown>;
}

/** OpenAPI security requirement of an operation: a bearer token, required or optional. */
{%- if auth %}
export function security(op: Operation): Array<Record<string, string[]>> | undefined {
  if (op.access === 'public') return undefined;
  if (op.access === 'optional') return [{}, { bearerAuth: [] }];
  return [{ bearerAuth: [] }];
}
{%- else %}
export function security(_op: Operation): Array<Record<string, string[]>> | undefined {
  return undefined;
}
{%- endif %}

/** Where the API's own routes live; health, metrics and docs stay at the root. */
export const API_PREFIX = '{{ api_prefix }}';

/** The full path of an operation. */
export function fullPath(op: Operation): string {
  return op.root ? op.path : `${API_PREFIX}${op.path}`;
}

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/** Declares an operation with its handler typed from its schemas. */
export function operation<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(
  spec: Omit<Operation, 'params' | 'query' | 'body' | 'handle'> & {
    params?: P;
    query?: Q;
    body?: B;
    handle(input: Input<Out<P>, Out<Q>, Out<B>>): Promise<unknown>;
  },
): Operation {
  return spec as Operation;
}

export const NoContent = z.null();
// The failures each kind of operation can meet, and so documents{% if auth %} (401: no or a bad token; 403: an
// unverified address, someone else's post){% else %} (400 also for a missing or unknown X-User-Id; 403: someone else's post){% endif %}.
export const readErrors = { 400: ProblemSchema, {% if auth %}401: ProblemSchema, {% endif %}404: ProblemSchema };
export const createErrors = { 400: ProblemSchema{% if auth %}, 401: ProblemSchema, 403: ProblemSchema{% endif %} };
export const targetErrors = { 400: ProblemSchema, {% if auth %}401: ProblemSchema, 403: ProblemSchema, {% endif %}404: ProblemSchema };
export const ownerErrors = { 400: ProblemSchema, {% if auth %}401: ProblemSchema, {% endif %}403: ProblemSchema, 404: ProblemSchema };
{%- if not auth %}
const ActorHeader = z.looseObject({ 'x-user-id': z.uuid({ message: 'must be the id of the acting user' }) });
{%- endif %}

// Writes: a logged-in user{% if auth %} whose email is verified (see UNVERIFIED_USER_ACCESS){% else %} named in X-User-Id{% endif %}.
export const acting = { access: '{% if auth %}verified{% else %}user{% endif %}' as const{% if not auth %}, headers: ActorHeader{% endif %} };
