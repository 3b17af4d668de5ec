import type { IncomingMessage, Server } from 'node:http';
import {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyHttpOptions,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { Container } from '../core/container';
import { AppError, MethodNotAllowedError, NotFoundError, type Problem, PROBLEM_CONTENT_TYPE, toProblem } from '../core/errors';
import { type RequestContext, runInRequest } from '../core/request-context';
import { bodyErrors, logUrl, proxyHint, requestId, RouteTable, securityHeaders, serverTimeouts } from './common';

/*
 * What the stacks served by Fastify (Fastify itself, and NestJS on its Fastify platform) share:
 * the server options, the per-request hooks, and the meaning of Fastify's body errors.
 */

/** The Fastify server options of the app. */
export function fastifyOptions(container: Container): FastifyHttpOptions<Server> {
  const { config } = container;
  const { trustProxy } = config;
  const { requestTimeout, headersTimeout, connectionsCheckingInterval } = serverTimeouts(config);
  return {
    loggerInstance: container.logger as FastifyBaseLogger,
    // Fastify's two lines per request are replaced by one line in onResponse.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    // TRUST_PROXY: none, a hop count or addresses; never every proxy (clients could spoof their address).
    trustProxy: typeof trustProxy === 'number' ? (_address: string, hop: number) => hop < trustProxy : trustProxy,
    // During shutdown, finish every request that reached us instead of answering 503.
    return503OnClosing: false,
    bodyLimit: config.bodyLimit,
    requestTimeout,
    http: { headersTimeout, connectionsCheckingInterval },
    genReqId: (request: IncomingMessage) => requestId(request.headers['x-request-id']),
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The methods the app answers at this request's path (none when the path does not exist). */
    allowedMethods(): string[];
  }
}

/** Each request's context (id, client address, user once known), for the code it runs and its access line. */
const contexts = new WeakMap<FastifyRequest, RequestContext>();

/**
 * The request's context around everything it runs; security headers and the request id on every
 * response; one access-log line (with the user, when there is one) and one histogram sample per request.
 */
export function registerRequestHooks(app: FastifyInstance, container: Container): void {
  const proxied = proxyHint(container);
  // Every route the app (or a framework on it) adds, before any is: for 405 and `Allow`. The
  // catch-all `OPTIONS *` of CORS preflights says nothing about which paths exist.
  const routes = new RouteTable();
  app.addHook('onRoute', (route) => {
    if (route.url !== '*' && route.url !== '/*') routes.add(route.method, route.url);
  });
  app.decorateRequest('allowedMethods', function allowedMethods(this: FastifyRequest) {
    return routes.allowed(this.url);
  });
  // Callback style: the rest of the request runs inside `run`, so its context reaches every await.
  app.addHook('onRequest', (request, _reply, done) => {
    const context: RequestContext = { requestId: String(request.id), clientIp: request.ip };
    contexts.set(request, context);
    runInRequest(context, done);
  });
  app.addHook('onRequest', async (request, reply) => {
    proxied(request.headers);
    reply.headers(securityHeaders(request.url));
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    container.metrics.observe(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    request.log.info(
      {
        userId: contexts.get(request)?.userId,
        method: request.method,
        url: logUrl(request.url),
        statusCode: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request completed',
    );
  });
}

/** Fastify's body errors by code, as the contract answers them. */
export const FASTIFY_BODY_ERRORS: Readonly<Record<string, () => AppError>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: bodyErrors.tooLarge,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: bodyErrors.notJson,
  FST_ERR_CTP_EMPTY_JSON_BODY: bodyErrors.empty,
  FST_ERR_CTP_INVALID_JSON_BODY: bodyErrors.malformed,
};

/** Fastify's own client errors (an unreadable body, another 4xx) as the contract names them; undefined for anything else. */
export function fastifyClientError(error: FastifyError): AppError | undefined {
  const bodyError = FASTIFY_BODY_ERRORS[error.code];
  if (bodyError) return bodyError();
  if (error instanceof SyntaxError && error.statusCode === 400) return bodyErrors.malformed();
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return new AppError(error.statusCode, 'bad_request', error.message);
  }
  return undefined;
}

/** Answers with a problem+json body that names the request's URL and id, and the headers the error needs. */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: Problem, error?: unknown): FastifyReply {
  if (error instanceof AppError && error.headers) reply.headers(error.headers);
  return reply
    .code(problem.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send({ ...problem, instance: request.url, requestId: String(request.id) });
}

/** What a request no route answers gets: 405 and `Allow` when its path exists with other methods, else 404. */
export function routeMissing(request: FastifyRequest, hint = ''): AppError {
  const path = request.url.split('?')[0] ?? request.url;
  const allow = request.allowedMethods();
  // The method is among them only where the router is stricter than the table (a trailing slash): a 404.
  if (allow.length > 0 && !allow.includes(request.method)) return new MethodNotAllowedError(request.method, path, allow);
  return new NotFoundError(`No route ${request.method} ${path}${hint}.`, 'route_not_found');
}

/**
 * A request no route answers can fail before the not-found handler runs (Fastify reads the body
 * of a QUERY, say, and refuses it without Content-Type): it is still a 404 or a 405.
 */
export function unrouted(request: FastifyRequest, hint = ''): AppError | undefined {
  return request.is404 ? routeMissing(request, hint) : undefined;
}

/** A 404 problem for a route the app does not have (`hint` tells the caller where to go instead), or a 405. */
export function registerNotFound(app: FastifyInstance, hint = ''): void {
  app.setNotFoundHandler((request, reply) => {
    const error = routeMissing(request, hint);
    return sendProblem(request, reply, toProblem(error, false), error);
  });
}
