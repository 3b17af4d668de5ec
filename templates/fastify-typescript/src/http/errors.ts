import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { bodyErrors } from './common';
import { FASTIFY_BODY_ERRORS } from './fastify';
import { AppError, fieldErrors, NotFoundError, PROBLEM_CONTENT_TYPE, toProblem, ValidationError } from '../core/errors';

/** Fastify's own errors, rephrased for the caller; anything else passes through. */
function translate(error: FastifyError): unknown {
  if (hasZodFastifySchemaValidationErrors(error) || error.validation) {
    const location = error.validationContext ?? 'body';
    const issues = (error.validation ?? []).map((issue) => ({
      path: issue.instancePath.split('/').filter(Boolean),
      message: issue.message ?? 'is invalid',
    }));
    return new ValidationError(fieldErrors(issues, location), `The request ${location} has invalid fields; see \`errors\`.`);
  }
  const bodyError = FASTIFY_BODY_ERRORS[error.code];
  if (bodyError) return bodyError();
  if (error instanceof SyntaxError && error.statusCode === 400) {
    return bodyErrors.malformed();
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return new AppError(error.statusCode, 'bad_request', error.message);
  }
  return error;
}

/** One error handler: problem+json for every failure, 5xx masked outside development. */
export function registerErrorHandling(app: FastifyInstance, exposeInternals: boolean): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const problem = toProblem(translate(error), exposeInternals);
    if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
    return reply
      .code(problem.status)
      .type(PROBLEM_CONTENT_TYPE)
      .send({ ...problem, instance: request.url, requestId: String(request.id) });
  });

  app.setNotFoundHandler((request, reply) => {
    const problem = toProblem(new NotFoundError(`No route ${request.method} ${request.url.split('?')[0]}.`, 'route_not_found'), false);
    return reply
      .code(404)
      .type(PROBLEM_CONTENT_TYPE)
      .send({ ...problem, instance: request.url, requestId: String(request.id) });
  });
}
