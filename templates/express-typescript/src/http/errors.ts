import express, { type ErrorRequestHandler, type Request, type RequestHandler } from 'express';
import type { z } from 'zod';
import {
  AppError,
  fieldErrors,
  MethodNotAllowedError,
  NotFoundError,
  PROBLEM_CONTENT_TYPE,
  toProblem,
  ValidationError,
} from '../core/errors';
import type { Logger } from '../core/logger';
import { bodyErrors, type RouteTable } from './common';
import type { Operation } from './operations';

/** body-parser's failures, rephrased for the caller; anything else passes through. */
function translate(error: unknown): unknown {
  const failure = error as { type?: unknown; status?: unknown; message?: string };
  switch (failure?.type) {
    case 'entity.too.large':
      return bodyErrors.tooLarge();
    case 'entity.parse.failed':
      return bodyErrors.malformed();
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return bodyErrors.notJson();
  }
  if (!(error instanceof AppError) && typeof failure?.status === 'number' && failure.status >= 400 && failure.status < 500) {
    return new AppError(failure.status, 'bad_request', failure.message ?? 'The request is malformed.');
  }
  return error;
}

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** JSON bodies only: anything else is a 415, an empty JSON body a 400, an oversized one a 413. */
export function jsonBody(limit: number): RequestHandler {
  const parse = express.json({ limit, strict: false });
  return (req, res, next) => {
    if (!hasBody(req)) {
      if (req.headers['content-length'] === '0' && req.is('application/json')) {
        throw bodyErrors.empty();
      }
      next();
      return;
    }
    if (!req.is('application/json')) {
      throw bodyErrors.notJson();
    }
    parse(req, res, next);
  };
}

function check(schema: z.ZodType | undefined, value: unknown, location: string): unknown {
  if (!schema) return value;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ValidationError(fieldErrors(result.error.issues, location), `The request ${location} has invalid fields; see \`errors\`.`);
}

/** Validates the request against the operation's schemas, in the order the contract fixes. */
export function validate(op: Operation, req: Request): { params: unknown; query: unknown; body: unknown } {
  const params = check(op.params, req.params, 'params');
  const body = check(op.body, req.body, 'body');
  const query = check(op.query, req.query, 'querystring');
  return { params, query, body };
}

/** What no route answers: 405 and `Allow` when the path exists with other methods, else 404. */
export function notFound(routes: RouteTable): RequestHandler {
  return (req) => {
    const path = req.originalUrl.split('?')[0] ?? req.originalUrl;
    const allow = routes.allowed(path);
    if (allow.length > 0 && !allow.includes(req.method)) throw new MethodNotAllowedError(req.method, path, allow);
    throw new NotFoundError(`No route ${req.method} ${path}.`, 'route_not_found');
  };
}

/** One error handler: problem+json for every failure, 5xx masked outside development. */
export function errorHandler(exposeInternals: boolean, logger: Logger): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const known = translate(error);
    const problem = toProblem(known, exposeInternals);
    const requestId = String(res.locals.requestId);
    if (known instanceof AppError && known.headers) res.set(known.headers);
    if (problem.status >= 500) logger.error({ err: error, requestId }, 'request failed');
    res
      .status(problem.status)
      .type(PROBLEM_CONTENT_TYPE)
      .send(JSON.stringify({ ...problem, instance: req.originalUrl, requestId }));
  };
}
