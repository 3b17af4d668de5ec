import type { Container } from '../../core/container';
import { ProblemSchema } from '../../core/errors';
import { IdParams } from '../../core/fields';
{%- if auth %}
import { PublicUserSchema, UpdateRoleBody, UserPageSchema, UserSchema } from '../../core/modules/users/users.schema';
import { PageQuery } from '../../core/pagination';
import { actorId } from '../actor';
import { operation, type Operation, ownerErrors } from '../operation';
{%- else %}
import { CreateUserBody, UserSchema } from '../../core/modules/users/users.schema';
import { operation, type Operation } from '../operation';
{%- endif %}

/** Users: {% if auth %}public profiles, and every account for administrators{% else %}create and read{% endif %}. */
export function usersOperations(container: Container): Operation[] {
  const { users } = container;
  return [
{%- if auth %}
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
  ];
}
