import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
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
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError(413, 'payload_too_large', 'The request body is larger than this API accepts.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError(415, 'unsupported_media_type', 'Send the body as JSON with `Content-Type: application/json`.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError(400, 'empty_body', 'The body is empty although `Content-Type: application/json` was sent.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError(400, 'malformed_json', 'The body is not valid JSON.');
  }
  if (error instanceof SyntaxError && error.statusCode === 400) {
    return new AppError(400, 'malformed_json', 'The body is not valid JSON.');
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
    return reply.code(404).type(PROBLEM_CONTENT_TYPE).send({ ...problem, instance: request.url, requestId: String(request.id) });
  });
}
