import { randomUUID } from 'node:crypto';
import helmet from 'helmet';
import { z } from 'zod';
import type { Container } from '../core/container';
import { AppError, problem, ProblemSchema } from '../core/errors';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The caller's `X-Request-Id` when it is well formed (so traces join up), else a fresh UUID. */
export function requestId(given: string | string[] | undefined): string {
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** Helmet's Content-Security-Policy: same-origin only, which is all the Swagger UI needs. */
export const CONTENT_SECURITY_POLICY = {
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
  },
};

/**
 * The security headers of JSON responses, after the OWASP REST Security Cheat Sheet: nothing
 * an API returns may be run, framed, sniffed or leak a referrer. Static, so set from one frozen
 * object: running helmet per request cost this API over 40% of its throughput.
 */
const API_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
});

/** Helmet's full set for the HTML pages of the Swagger UI (under /docs), computed once at boot. */
const DOCS_SECURITY_HEADERS: Readonly<Record<string, string>> = (() => {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  helmet({ contentSecurityPolicy: CONTENT_SECURITY_POLICY })({} as never, recorder as never, () => undefined);
  return Object.freeze(headers);
})();

/** The security headers of a response to `url`. */
export function securityHeaders(url: string): Readonly<Record<string, string>> {
  return url.startsWith('/docs') ? DOCS_SECURITY_HEADERS : API_SECURITY_HEADERS;
}

/**
 * The methods each route path answers (paths in Express/Fastify syntax: `:param`, `*`), so a
 * request for a path that exists, with another method, gets a 405 and `Allow` instead of a 404.
 */
export class RouteTable {
  private readonly routes = new Map<string, { pattern: RegExp; methods: Set<string> }>();

  add(methods: string | string[], path: string): void {
    let route = this.routes.get(path);
    if (!route) {
      const pattern = path
        .split('/')
        .map((part) => (part.startsWith(':') ? '[^/]+' : part === '*' ? '.*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('/');
      route = { pattern: new RegExp(`^${pattern}/?$`), methods: new Set() };
      this.routes.set(path, route);
    }
    for (const method of Array.isArray(methods) ? methods : [methods]) route.methods.add(method.toUpperCase());
  }

  /** The methods answered at this URL's path, sorted; none when the path does not exist. */
  allowed(url: string): string[] {
    const path = url.split('?')[0] ?? url;
    const methods = new Set<string>();
    for (const route of this.routes.values()) if (route.pattern.test(path)) for (const method of route.methods) methods.add(method);
    return [...methods].sort();
  }
}

/** The answers to a request body the API cannot read, the same in every stack. */
export const bodyErrors = {
  tooLarge: () => new AppError(413, 'payload_too_large', 'The request body is larger than this API accepts.'),
  notJson: () => new AppError(415, 'unsupported_media_type', 'Send the body as UTF-8 JSON with `Content-Type: application/json`.'),
  empty: () => new AppError(400, 'empty_body', 'The body is empty although `Content-Type: application/json` was sent.'),
  malformed: () => new AppError(400, 'malformed_json', 'The body is not valid JSON.'),
};

const SECRET_QUERY = /([?&](?:token|access_token|refresh_token)=)[^&#]*/gi;

/** The URL as the access log writes it: one-time tokens in the query (mailed links) are redacted. */
export function logUrl(url: string): string {
  return url.includes('token=') ? url.replace(SECRET_QUERY, '$1[redacted]') : url;
}

/**
 * A check for each request, in production with TRUST_PROXY=false: the first request that arrives
 * with `X-Forwarded-For` (or `Forwarded`) logs a warning, once. Behind a proxy that setting makes
 * every client one address (the proxy's): one shared rate limit, and logs that name the proxy.
 */
export function proxyHint(container: Pick<Container, 'config' | 'logger'>): (headers: Record<string, unknown>) => void {
  const { config, logger } = container;
  let warned = !config.isProduction || config.trustProxy !== false;
  return (headers) => {
    if (warned || (headers['x-forwarded-for'] === undefined && headers.forwarded === undefined)) return;
    warned = true;
    logger.warn(
      "requests arrive through a proxy (X-Forwarded-For) but TRUST_PROXY=false: every client counts as the proxy's address, " +
        'so they share one rate limit. Set TRUST_PROXY to the number of proxies in front of the API (e.g. 1), or their addresses.',
    );
  };
}

/**
 * The Node HTTP server's clocks: a client must send a whole request (headers within 10 s) within
 * REQUEST_TIMEOUT_MS, or it gets a 408 and its connection closes, so a client that trickles its
 * body cannot hold a socket. Timeouts are checked every second (Node's default is every 30 s).
 */
export function serverTimeouts(config: Pick<Container['config'], 'requestTimeoutMs'>) {
  return {
    requestTimeout: config.requestTimeoutMs,
    headersTimeout: Math.min(10000, config.requestTimeoutMs),
    connectionsCheckingInterval: 1000,
  };
}

/**
 * How long the server keeps serving after SIGTERM before it closes: a keep-alive connection that
 * looks idle may already carry a request not read yet, which closing it would lose.
 */
export const SHUTDOWN_DRAIN_MS = 200;

const startedAt = Date.now();
const ReadinessChecks = z.record(z.string(), z.enum(['up', 'down']));
export const LivenessSchema = z.object({ status: z.literal('ok'), uptimeSeconds: z.number() });
export const ReadySchema = z.object({ status: z.enum(['ready', 'degraded']), checks: ReadinessChecks });
export const NotReadySchema = ProblemSchema.extend({ checks: ReadinessChecks });

/** What the API cannot serve without. The cache is not among them: without Redis, reads come from PostgreSQL. */
const REQUIRED = new Set(['database']);

/** GET /health: the process is up. */
export function liveness(): z.output<typeof LivenessSchema> {
  return { status: 'ok', uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) };
}

/**
 * GET /health/ready: 200 while the API can serve (`degraded` when an optional dependency is
 * down), or a 503 problem naming what is down when a required one is.
 */
export async function readiness(container: Container): Promise<{ ready: boolean; body: object }> {
  const checks = await container.readiness();
  const down = Object.entries(checks)
    .filter(([, state]) => state === 'down')
    .map(([name]) => name);
  if (!down.some((name) => REQUIRED.has(name))) return { ready: true, body: { status: down.length === 0 ? 'ready' : 'degraded', checks } };
  return { ready: false, body: { ...problem(503, 'not_ready', `Not ready: ${down.join(' and ')} unavailable.`), checks } };
}
{%- if api_type == 'rest' %}

type DocumentResponses = Record<string, { description?: string; content?: Record<string, unknown> }>;
type DocumentPaths = Record<string, Record<string, { responses?: DocumentResponses } | unknown[]>>;

/**
 * What every stack's OpenAPI document gets last: error bodies are documented as the
 * problem+json they are, and an operation without a documented response (the Prometheus text
 * of /metrics) gets a `default` one, so a client or a fuzzer checking responses finds them all.
 */
export function finishDocument<T extends object>(document: T): T {
  const paths = (document as { paths?: DocumentPaths }).paths ?? {};
  for (const item of Object.values(paths)) {
    for (const operation of Object.values(item)) {
      if (Array.isArray(operation)) continue; // path-level parameters
      const responses = (operation.responses ??= {});
      if (Object.keys(responses).length === 0) responses.default = { description: 'The response, in its own format' };
      for (const [status, response] of Object.entries(responses)) {
        const json = response.content?.['application/json'];
        if (Number(status) >= 400 && json) response.content = { 'application/problem+json': json };
      }
    }
  }
  return document;
}
{%- endif %}
