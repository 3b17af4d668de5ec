import type { Container } from '../../core/container';
import { IdParams } from '../../core/fields';
import { CommentPageSchema, CommentSchema, CreateCommentBody } from '../../core/modules/comments/comments.schema';
import { PageQuery } from '../../core/pagination';
import { actorId } from '../actor';
import { acting, operation, type Operation, readErrors, targetErrors } from '../operation';

/** Comments on posts. */
export function commentsOperations(container: Container): Operation[] {
  const { comments } = container;
  return [
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
