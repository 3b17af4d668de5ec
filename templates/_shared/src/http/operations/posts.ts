import type { Container } from '../../core/container';
import { ProblemSchema } from '../../core/errors';
import { IdParams } from '../../core/fields';
import { CreatePostBody, LikeStateSchema, PostPageSchema, PostSchema, UpdatePostBody } from '../../core/modules/posts/posts.schema';
import { PageQuery } from '../../core/pagination';
import { actorId } from '../actor';
import { acting, createErrors, NoContent, operation, type Operation, ownerErrors, readErrors, targetErrors } from '../operation';

/** Posts and their likes. */
export function postsOperations(container: Container): Operation[] {
  const { posts } = container;
  return [
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
  ];
}
