import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from './logger';

/** Who and where a request comes from, known to the code it runs (security events read it). */
export interface RequestContext {
  requestId: string;
  clientIp?: string;
  userId?: string;
  sessionId?: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Told of each request as it starts (tracing puts its id on the request's span); none by default. */
let onRequest: ((context: RequestContext) => void) | undefined;

export function observeRequests(observer: (context: RequestContext) => void): void {
  onRequest = observer;
}

/** Runs the rest of a request (its handler, and all it awaits) with its context. */
export function runInRequest<T>(context: RequestContext, next: () => T): T {
  onRequest?.(context);
  return storage.run(context, next);
}

/** The context of the request being served, if any. */
export function currentRequest(): RequestContext | undefined {
  return storage.getStore();
}

/**
 * The events a security team watches for, each logged as one structured line: who (user and
 * session), from where (client address), which request, and what, never a secret. A reused
 * refresh token is the clearest sign of a stolen one.
 */
const LEVELS = {
  login_failed: 'warn',
  refresh_token_reused: 'warn',
  rate_limited: 'warn',
  password_reset: 'info',
  password_changed: 'info',
  role_changed: 'info',
} as const;

export type SecurityEvent = keyof typeof LEVELS;

export function securityEvent(logger: Logger, event: SecurityEvent, fields: Record<string, unknown> = {}): void {
  const request = currentRequest();
  logger[LEVELS[event]](
    {
      securityEvent: event,
      requestId: request?.requestId,
      clientIp: request?.clientIp,
      userId: request?.userId,
      sessionId: request?.sessionId,
      ...fields,
    },
    `security event: ${event}`,
  );
}
