import type { Container } from '../../core/container';
import { IdParams } from '../../core/fields';
import { CreateCommentBody } from '../../core/modules/comments/comments.schema';
import { PageQuery } from '../../core/pagination';
import { actorId } from '../actor';
import { endpoint, operation, type Operation } from '../operation';

/** Comments on posts. */
export function commentsOperations(container: Container): Operation[] {
  const { comments } = container;
  return [
    operation({
      ...endpoint('GET /posts/:id/comments'),
      tags: ['comments'],
      params: IdParams,
      query: PageQuery,
      handle: ({ params, query, actor }) => comments.list(params.id, query.limit, query.cursor, actor.userId),
    }),
    operation({
      ...endpoint('POST /posts/:id/comments'),
      tags: ['comments'],
      params: IdParams,
      body: CreateCommentBody,
      handle: ({ params, body, actor }) => comments.create(params.id, actorId(actor), body),
    }),
  ];
}
