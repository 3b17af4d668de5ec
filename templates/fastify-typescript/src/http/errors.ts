import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { fastifyClientError, registerNotFound, sendProblem, unrouted } from './fastify';
import { fieldErrors, toProblem, ValidationError } from '../core/errors';

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
  return fastifyClientError(error) ?? error;
}

/** One error handler: problem+json for every failure, 5xx masked outside development. */
export function registerErrorHandling(app: FastifyInstance, exposeInternals: boolean): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known = unrouted(request) ?? translate(error);
    const problem = toProblem(known, exposeInternals);
    if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
    return sendProblem(request, reply, problem, known);
  });
  registerNotFound(app);
}
