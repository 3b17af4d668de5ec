import { z } from 'zod';
import type { Container } from '../core/container';
import { ProblemSchema, PROBLEM_CONTENT_TYPE } from '../core/errors';
{%- if auth %}
import {
  AcceptedSchema,
  ChangePasswordBody,
  EmailBody,
  LoginBody,
  RefreshBody,
  RegisterBody,
  RegisterResponse,
  ResetPasswordBody,
  TokenBody,
  TokenPairSchema,
  TokenQuery,
  TokenStatusSchema,
} from '../core/modules/auth/auth.schema';
{%- endif %}
import { CommentPageSchema, CommentSchema, CreateCommentBody } from '../core/modules/comments/comments.schema';
import { CreatePostBody, LikeStateSchema, PageQuery, PostPageSchema, PostSchema, UpdatePostBody } from '../core/modules/posts/posts.schema';
{%- if auth %}
import { IdParams, PublicUserSchema, UpdateRoleBody, UserPageSchema, UserSchema } from '../core/modules/users/users.schema';
{%- else %}
import { CreateUserBody, IdParams, UserSchema } from '../core/modules/users/users.schema';
{%- endif %}
import { type Access, type Actor, actorId } from './actor';
import { liveness, LivenessSchema, NotReadySchema, readiness, ReadySchema } from './common';

export type { Access };

/**
 * The HTTP contract, written once: every operation's path, schemas, access rule and
 * handler. Each stack's adapter (src/app.ts) turns this table into its own routes,
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
function operation<
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

const NoContent = z.null();
// The failures each kind of operation can meet, and so documents{% if auth %} (401: no or a bad token; 403: an
// unverified address, someone else's post){% else %} (400 also for a missing or unknown X-User-Id; 403: someone else's post){% endif %}.
const readErrors = { 400: ProblemSchema, {% if auth %}401: ProblemSchema, {% endif %}404: ProblemSchema };
const createErrors = { 400: ProblemSchema{% if auth %}, 401: ProblemSchema, 403: ProblemSchema{% endif %} };
const targetErrors = { 400: ProblemSchema, {% if auth %}401: ProblemSchema, 403: ProblemSchema, {% endif %}404: ProblemSchema };
const ownerErrors = { 400: ProblemSchema, {% if auth %}401: ProblemSchema, {% endif %}403: ProblemSchema, 404: ProblemSchema };
{%- if not auth %}
const ActorHeader = z.looseObject({ 'x-user-id': z.uuid({ message: 'must be the id of the acting user' }) });
{%- endif %}

export function operations(container: Container): Operation[] {
  const { users, posts, comments } = container;
  // Writes: a logged-in user{% if auth %} whose email is verified (see UNVERIFIED_USER_ACCESS){% else %} named in X-User-Id{% endif %}.
  const acting = { access: '{% if auth %}verified{% else %}user{% endif %}' as const{% if not auth %}, headers: ActorHeader{% endif %} };
  return [
    operation({
      method: 'get',
      path: '/health',
      root: true,
      tags: ['health'],
      summary: 'Liveness: the process is up',
      access: 'public',
      status: 200,
      responses: { 200: LivenessSchema },
      handle: async () => liveness(),
    }),
    operation({
      method: 'get',
      path: '/health/ready',
      root: true,
      tags: ['health'],
      summary: 'Readiness: PostgreSQL{% if cache %} and Redis{% endif %} answer',
      access: 'public',
      status: 200,
      responses: {
        200: ReadySchema,
        503: NotReadySchema,
      },
      handle: async () => {
        const report = await readiness(container);
        return report.ready ? report.body : new RawReply(503, report.body, PROBLEM_CONTENT_TYPE);
      },
    }),
    operation({
      method: 'get',
      path: '/metrics',
      root: true,
      tags: ['health'],
      summary: 'Prometheus metrics',
      access: 'public',
      status: 200,
      responses: {},
      handle: async () => new RawReply(200, await container.metrics.registry.metrics(), container.metrics.registry.contentType),
    }),
{%- if auth %}

    operation({
      method: 'post',
      path: '/auth/register',
      tags: ['auth'],
      summary: 'Create an account and start a session',
      access: 'public',
      rateLimited: true,
      body: RegisterBody,
      status: 201,
      responses: { 201: RegisterResponse, 400: ProblemSchema, 409: ProblemSchema, 429: ProblemSchema },
      handle: ({ body }) => container.auth.register(body),
    }),
    operation({
      method: 'post',
      path: '/auth/login',
      tags: ['auth'],
      summary: 'Exchange email and password for tokens',
      access: 'public',
      rateLimited: true,
      body: LoginBody,
      status: 200,
      responses: { 200: TokenPairSchema, 400: ProblemSchema, 401: ProblemSchema, 429: ProblemSchema },
      handle: ({ body }) => container.auth.login(body),
    }),
    operation({
      method: 'post',
      path: '/auth/refresh',
      tags: ['auth'],
      summary: 'Rotate the refresh token; a reused token revokes its session',
      access: 'public',
      rateLimited: true,
      body: RefreshBody,
      status: 200,
      responses: { 200: TokenPairSchema, 400: ProblemSchema, 401: ProblemSchema, 429: ProblemSchema },
      handle: ({ body }) => container.auth.refresh(body.refreshToken),
    }),
    operation({
      method: 'post',
      path: '/auth/logout',
      tags: ['auth'],
      summary: 'End the current session (its access and refresh tokens)',
      access: 'user',
      status: 204,
      responses: { 204: NoContent, 401: ProblemSchema },
      handle: async ({ actor }) => {
        actorId(actor);
        await container.auth.logout(actor.sessionId as string);
      },
    }),
    operation({
      method: 'post',
      path: '/auth/change-password',
      tags: ['auth'],
      summary: 'Change the password, proving the current one; every other session ends',
      access: 'user',
      rateLimited: true,
      body: ChangePasswordBody,
      status: 204,
      responses: { 204: NoContent, 400: ProblemSchema, 401: ProblemSchema, 429: ProblemSchema },
      handle: async ({ actor, body }) => {
        const principal = { userId: actorId(actor), sessionId: actor.sessionId as string };
        await container.auth.changePassword(principal, body.currentPassword, body.newPassword);
      },
    }),
    operation({
      method: 'get',
      path: '/auth/me',
      tags: ['auth'],
      summary: 'The logged-in user',
      access: 'user',
      status: 200,
      responses: { 200: UserSchema, 401: ProblemSchema },
      handle: ({ actor }) => users.getById(actorId(actor)),
    }),
    operation({
      method: 'post',
      path: '/auth/verify-email',
      tags: ['auth'],
      summary: 'Verify the email address with the token from the mailed link',
      access: 'public',
      rateLimited: true,
      body: TokenBody,
      status: 200,
      responses: { 200: UserSchema, 400: ProblemSchema, 429: ProblemSchema },
      handle: ({ body }) => container.auth.verifyEmail(body.token),
    }),
    operation({
      method: 'get',
      path: '/auth/verify-email',
      tags: ['auth'],
      summary: 'The mailed verification link: tells whether it still works, without using it (POST verifies)',
      access: 'public',
      rateLimited: true,
      query: TokenQuery,
      status: 200,
      responses: { 200: TokenStatusSchema, 400: ProblemSchema, 429: ProblemSchema },
      handle: ({ query }) => container.auth.checkToken('verify_email', query.token),
    }),
    operation({
      method: 'post',
      path: '/auth/verify-email/resend',
      tags: ['auth'],
      summary: 'Mail a new verification link (same answer for every address)',
      access: 'public',
      rateLimited: true,
      body: EmailBody,
      status: 202,
      responses: { 202: AcceptedSchema, 400: ProblemSchema, 429: ProblemSchema },
      handle: async ({ body }) => container.auth.resendVerification(body.email),
    }),
    operation({
      method: 'post',
      path: '/auth/forgot-password',
      tags: ['auth'],
      summary: 'Mail a password reset link (same answer, same time, for every address)',
      access: 'public',
      rateLimited: true,
      body: EmailBody,
      status: 202,
      responses: { 202: AcceptedSchema, 400: ProblemSchema, 429: ProblemSchema },
      handle: async ({ body }) => container.auth.requestPasswordReset(body.email),
    }),
    operation({
      method: 'get',
      path: '/auth/reset-password',
      tags: ['auth'],
      summary: 'The mailed reset link: tells whether it still works, without using it',
      access: 'public',
      rateLimited: true,
      query: TokenQuery,
      status: 200,
      responses: { 200: TokenStatusSchema, 400: ProblemSchema, 429: ProblemSchema },
      handle: ({ query }) => container.auth.checkToken('reset_password', query.token),
    }),
    operation({
      method: 'post',
      path: '/auth/reset-password',
      tags: ['auth'],
      summary: 'Set a new password with the mailed token; every session of the user ends',
      access: 'public',
      rateLimited: true,
      body: ResetPasswordBody,
      status: 204,
      responses: { 204: NoContent, 400: ProblemSchema, 429: ProblemSchema },
      handle: ({ body }) => container.auth.resetPassword(body.token, body.password),
    }),

    operation({
      method: 'get',
      path: '/admin/users',
      tags: ['admin'],
      summary: 'Every account, newest first (admin role)',
      access: 'admin',
      query: PageQuery,
      status: 200,
      responses: { 200: UserPageSchema, 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema },
      handle: ({ query }) => users.list(query.limit, query.cursor),
    }),
    operation({
      method: 'patch',
      path: '/admin/users/:id',
      tags: ['admin'],
      summary: 'Change the role of another account (admin role)',
      access: 'admin',
      params: IdParams,
      body: UpdateRoleBody,
      status: 200,
      responses: { 200: UserSchema, ...ownerErrors },
      handle: ({ params, body, actor }) => users.setRole(actorId(actor), params.id, body.role),
    }),
{%- else %}

    operation({
      method: 'post',
      path: '/users',
      tags: ['users'],
      summary: 'Create a user',
      access: 'public',
      body: CreateUserBody,
      status: 201,
      responses: { 201: UserSchema, 400: ProblemSchema, 409: ProblemSchema },
      handle: ({ body }) => users.create(body),
    }),
{%- endif %}
    operation({
      method: 'get',
      path: '/users/:id',
      tags: ['users'],
      summary: 'A user{% if auth %}’s public profile{% endif %}',
      access: 'public',
      params: IdParams,
      status: 200,
      responses: { 200: {% if auth %}PublicUserSchema{% else %}UserSchema{% endif %}, 400: ProblemSchema, 404: ProblemSchema },
      handle: async ({ params }) => {
        const user = await users.getById(params.id);
        return {% if auth %}PublicUserSchema.parse(user){% else %}user{% endif %};
      },
    }),

    operation({
      method: 'get',
      path: '/posts',
      tags: ['posts'],
      summary: 'Published posts, newest first, with author and counts (cursor pagination)',
      access: 'public',
      query: PageQuery,
      status: 200,
      responses: { 200: PostPageSchema, 400: ProblemSchema },
      handle: ({ query }) => posts.list(query.limit, query.cursor),
    }),
    operation({
      method: 'get',
      path: '/posts/:id',
      tags: ['posts'],
      summary: 'One post',
      access: 'optional',
      params: IdParams,
      status: 200,
      responses: { 200: PostSchema, ...readErrors },
      handle: ({ params, actor }) => posts.get(params.id, actor.userId),
    }),
    operation({
      method: 'post',
      path: '/posts',
      tags: ['posts'],
      summary: 'Write a post',
      ...acting,
      body: CreatePostBody,
      status: 201,
      responses: { 201: PostSchema, ...createErrors },
      handle: ({ body, actor }) => posts.create(actorId(actor), body),
    }),
    operation({
      method: 'patch',
      path: '/posts/:id',
      tags: ['posts'],
      summary: 'Edit your post',
      ...acting,
      params: IdParams,
      body: UpdatePostBody,
      status: 200,
      responses: { 200: PostSchema, ...ownerErrors },
      handle: ({ params, body, actor }) => posts.update(params.id, actorId(actor), body),
    }),
    operation({
      method: 'delete',
      path: '/posts/:id',
      tags: ['posts'],
      summary: 'Delete your post',
      ...acting,
      params: IdParams,
      status: 204,
      responses: { 204: NoContent, ...ownerErrors },
      handle: ({ params, actor }) => posts.delete(params.id, actorId(actor)),
    }),
    operation({
      method: 'put',
      path: '/posts/:id/like',
      tags: ['likes'],
      summary: 'Like a post (idempotent)',
      ...acting,
      params: IdParams,
      status: 200,
      responses: { 200: LikeStateSchema, ...targetErrors },
      handle: ({ params, actor }) => posts.like(params.id, actorId(actor)),
    }),
    operation({
      method: 'delete',
      path: '/posts/:id/like',
      tags: ['likes'],
      summary: 'Take your like back (idempotent)',
      ...acting,
      params: IdParams,
      status: 200,
      responses: { 200: LikeStateSchema, ...targetErrors },
      handle: ({ params, actor }) => posts.unlike(params.id, actorId(actor)),
    }),
    operation({
      method: 'get',
      path: '/posts/:id/comments',
      tags: ['comments'],
      summary: 'Comments on a post, newest first',
      access: 'optional',
      params: IdParams,
      query: PageQuery,
      status: 200,
      responses: { 200: CommentPageSchema, ...readErrors },
      handle: ({ params, query, actor }) => comments.list(params.id, query.limit, query.cursor, actor.userId),
    }),
    operation({
      method: 'post',
      path: '/posts/:id/comments',
      tags: ['comments'],
      summary: 'Comment on a post',
      ...acting,
      params: IdParams,
      body: CreateCommentBody,
      status: 201,
      responses: { 201: CommentSchema, ...targetErrors },
      handle: ({ params, body, actor }) => comments.create(params.id, actorId(actor), body),
    }),
  ];
}
