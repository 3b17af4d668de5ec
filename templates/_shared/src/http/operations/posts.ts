import type { Container } from '../../core/container';
import { IdParams } from '../../core/fields';
import { CreatePostBody, UpdatePostBody } from '../../core/modules/posts/posts.schema';
import { PageQuery } from '../../core/pagination';
import { actorId } from '../actor';
import { endpoint, operation, type Operation } from '../operation';

/** Posts and their likes. */
export function postsOperations(container: Container): Operation[] {
  const { posts } = container;
  return [
    operation({
      ...endpoint('GET /posts'),
      tags: ['posts'],
      query: PageQuery,
      handle: ({ query }) => posts.list(query.limit, query.cursor),
    }),
    operation({
      ...endpoint('GET /posts/:id'),
      tags: ['posts'],
      params: IdParams,
      handle: ({ params, actor }) => posts.get(params.id, actor.userId),
    }),
    operation({
      ...endpoint('POST /posts'),
      tags: ['posts'],
      body: CreatePostBody,
      handle: ({ body, actor }) => posts.create(actorId(actor), body),
    }),
    operation({
      ...endpoint('PATCH /posts/:id'),
      tags: ['posts'],
      params: IdParams,
      body: UpdatePostBody,
      handle: ({ params, body, actor }) => posts.update(params.id, actorId(actor), body),
    }),
    operation({
      ...endpoint('DELETE /posts/:id'),
      tags: ['posts'],
      params: IdParams,
      handle: ({ params, actor }) => posts.delete(params.id, actorId(actor)),
    }),
    operation({
      ...endpoint('PUT /posts/:id/like'),
      tags: ['likes'],
      params: IdParams,
      handle: ({ params, actor }) => posts.like(params.id, actorId(actor)),
    }),
    operation({
      ...endpoint('DELETE /posts/:id/like'),
      tags: ['likes'],
      params: IdParams,
      handle: ({ params, actor }) => posts.unlike(params.id, actorId(actor)),
    }),
  ];
}
