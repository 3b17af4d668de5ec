import type { Container } from '../core/container';
{%- if auth %}
import { authOperations } from './operations/auth';
{%- endif %}
import { commentsOperations } from './operations/comments';
import { healthOperations } from './operations/health';
import { postsOperations } from './operations/posts';
import { usersOperations } from './operations/users';
import type { Operation } from './operation';

export * from './operation';

/**
 * Every operation of the API, one module a resource (src/http/operations/). A new resource is
 * one line here, after its module exists; each stack's adapter (src/app.ts) serves this list.
 */
export function operations(container: Container): Operation[] {
  return [
    // One line a resource.
    ...healthOperations(container),
{%- if auth %}
    ...authOperations(container),
{%- endif %}
    ...usersOperations(container),
    ...postsOperations(container),
    ...commentsOperations(container),
  ];
}
