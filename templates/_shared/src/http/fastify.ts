import type { IncomingMessage } from 'node:http';
import { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import type { Container } from '../core/container';
import type { AppError } from '../core/errors';
import { bodyErrors, logUrl, requestId, securityHeaders } from './common';

/*
 * What the stacks served by Fastify (Fastify itself, and NestJS on its Fastify platform) share:
 * the server options, the per-request hooks, and the meaning of Fastify's body errors.
 */

/** The Fastify server options of the app. */
export function fastifyOptions(container: Container): FastifyServerOptions {
  const { config } = container;
  const { trustProxy } = config;
  return {
    loggerInstance: container.logger as FastifyBaseLogger,
    // Fastify's two lines per request are replaced by one line in onResponse.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    // TRUST_PROXY: none, a hop count or addresses; never every proxy (clients could spoof their address).
    trustProxy: typeof trustProxy === 'number' ? (_address: string, hop: number) => hop < trustProxy : trustProxy,
    // During shutdown, finish every request that reached us instead of answering 503.
    return503OnClosing: false,
    bodyLimit: config.bodyLimit,
    genReqId: (request: IncomingMessage) => requestId(request.headers['x-request-id']),
  };
}

/** Security headers and the request id on every response; one access-log line and one histogram sample per request. */
export function registerRequestHooks(app: FastifyInstance, container: Container): void {
  app.addHook('onRequest', async (request, reply) => {
    reply.headers(securityHeaders(request.url));
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    container.metrics.observe(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    request.log.info(
      {
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
