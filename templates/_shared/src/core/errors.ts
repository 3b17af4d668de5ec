import { STATUS_CODES } from 'node:http';
import { z } from 'zod';

export interface FieldError {
  field: string;
  message: string;
}

/** An error the API means to show: a stable `code`, an HTTP status and a sentence for the caller. */
export class AppError extends Error {
  /** Response headers the answer needs (`Allow` of a 405, `Retry-After` of a 429); every stack sets them. */
  headers?: Readonly<Record<string, string>>;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors?: FieldError[],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(errors: FieldError[], message = 'The request has invalid fields; see `errors`.') {
    super(400, 'validation_failed', message, errors);
  }
}
export class BadRequestError extends AppError {
  constructor(message: string, code = 'bad_request') {
    super(400, code, message);
  }
}
export class UnauthorizedError extends AppError {
  constructor(message = 'Authentication is required: send `Authorization: Bearer <access token>`.', code = 'unauthorized') {
    super(401, code, message);
  }
}
export class ForbiddenError extends AppError {
  constructor(message = 'You are not allowed to do this.', code = 'forbidden') {
    super(403, code, message);
  }
}
export class NotFoundError extends AppError {
  constructor(message = 'The resource does not exist.', code = 'not_found') {
    super(404, code, message);
  }
}
export class ConflictError extends AppError {
  constructor(message: string, code = 'conflict') {
    super(409, code, message);
  }
}
/** A path the API has, asked with a method it does not answer there: 405 with the methods it does (`Allow`). */
export class MethodNotAllowedError extends AppError {
  constructor(
    method: string,
    path: string,
    readonly allow: string[],
  ) {
    super(405, 'method_not_allowed', `${path} does not answer ${method}; it answers ${allow.join(', ')}.`);
    this.headers = { allow: allow.join(', ') };
  }
}
export class ServiceUnavailableError extends AppError {
  constructor(message: string, code = 'service_unavailable') {
    super(503, code, message);
  }
}

/** RFC 9457 problem details, plus a stable `code` and the request id for support. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  requestId?: string;
  errors?: FieldError[];
}

export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string(),
  instance: z.string().optional(),
  requestId: z.string().optional(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

const UNAVAILABLE_CODES = new Set([
  '57014', // query_canceled: the statement ran past DATABASE_STATEMENT_TIMEOUT_MS
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
  'P1001',
  'P1002',
  'P1017',
]);
// PgBouncer answers a PostgreSQL it cannot reach with a protocol error (08P01) and one of these.
const UNAVAILABLE_MESSAGES =
  /(connection terminated|timeout exceeded when trying to connect|can't reach database|connection refused|server closed the connection|Connection is closed|canceling statement due to statement timeout|server login has been failing|query_wait_timeout|no more connections allowed|pgbouncer cannot connect to server)/i;

/** True when an error means PostgreSQL (or another dependency) cannot be reached right now. */
export function isUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 4) return false;
  const err = error as {
    code?: unknown;
    message?: unknown;
    cause?: unknown;
    originalCode?: unknown;
    meta?: { driverAdapterError?: unknown };
    thrownValue?: unknown;
  };
  if (typeof err.code === 'string' && UNAVAILABLE_CODES.has(err.code)) return true;
  if (typeof err.originalCode === 'string' && UNAVAILABLE_CODES.has(err.originalCode)) return true;
  if (typeof err.message === 'string' && UNAVAILABLE_MESSAGES.test(err.message)) return true;
  // Prisma keeps the driver's error of a raw query in `meta.driverAdapterError`; GraphQL wraps a
  // thrown value that is not an Error of its realm (a driver's, under Jest's module sandbox) as `thrownValue`.
  return (
    isUnavailable(err.cause, depth + 1) ||
    isUnavailable(err.meta?.driverAdapterError, depth + 1) ||
    isUnavailable(err.thrownValue, depth + 1)
  );
}

export function problem(status: number, code: string, detail: string, errors?: FieldError[]): Problem {
  return {
    type: `urn:problem-type:${code}`,
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    code,
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}

/**
 * Turns any thrown value into a problem. Known errors keep their message; anything
 * else is a 500 whose message is shown only when `exposeInternals` (development).
 */
export function toProblem(error: unknown, exposeInternals: boolean): Problem {
  if (error instanceof AppError) return problem(error.status, error.code, error.message, error.errors);
  if (isUnavailable(error)) {
    return problem(503, 'dependency_unavailable', 'A backing service is unavailable; retry shortly.');
  }
  const detail = exposeInternals && error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : 'An unexpected error occurred.';
  return problem(500, 'internal_error', detail);
}

/** Converts validation issues (from zod, or a framework's own validator) into named fields. */
export function fieldErrors(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>, location: string): FieldError[] {
  return issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.map(String).join('.') : location,
    message: issue.message,
  }));
}
