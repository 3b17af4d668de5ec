import { isIPv6 } from 'node:net';
{%- if cache %}
import type { Redis } from 'ioredis';
{%- endif %}
import { AppError } from '../errors';
import type { Logger } from '../logger';
import { securityEvent } from '../request-context';
import { hashToken } from './tokens';

/** At most `max` calls per `windowMs`; past that, each call doubles the wait, up to `maxBlockMs`. */
export interface Limit {
  max: number;
  windowMs: number;
}

/** A count in a window, and how long until the window (or the block) ends. */
export interface Hit {
  hits: number;
  remainingMs: number;
}

/** Counts calls under a key. Over the limit, each further call extends the window: an exponential back-off. */
export interface Counter {
  hit(key: string, limit: Limit): Promise<Hit>;
}

/** The longest a caller over a limit is made to wait, however often it keeps calling. */
const MAX_BLOCK_MS = 3600 * 1000;

/** How long a call `over` the limit waits: 1 s, 2 s, 4 s … up to an hour, never less than the window's rest. */
function backoffMs(over: number): number {
  return Math.min(MAX_BLOCK_MS, 1000 * 2 ** Math.min(over - 1, 22));
}

/** Counters in this process: the limit without Redis, and while Redis is away. */
export class MemoryCounter implements Counter {
  private readonly windows = new Map<string, { hits: number; endsAt: number }>();

  async hit(key: string, { max, windowMs }: Limit): Promise<Hit> {
    const now = Date.now();
    let window = this.windows.get(key);
    if (!window || window.endsAt <= now) {
      if (this.windows.size >= 50_000) this.sweep(now);
      window = { hits: 0, endsAt: now + windowMs };
      this.windows.set(key, window);
    }
    window.hits += 1;
    if (window.hits > max) window.endsAt = Math.max(window.endsAt, now + backoffMs(window.hits - max));
    return { hits: window.hits, remainingMs: window.endsAt - now };
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (window.endsAt <= now) this.windows.delete(key);
    // Still full of live windows (a flood of distinct clients): drop the oldest rather than grow without bound.
    for (const key of this.windows.keys()) {
      if (this.windows.size < 50_000) break;
      this.windows.delete(key);
    }
  }
}
{%- if cache %}

/** One round trip: count, start the window on the first call, extend it past the limit (back-off). */
const HIT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local over = hits - tonumber(ARGV[2])
if over > 0 then
  local wait = math.min(tonumber(ARGV[3]), 1000 * 2 ^ math.min(over - 1, 22))
  if redis.call('PTTL', KEYS[1]) < wait then redis.call('PEXPIRE', KEYS[1], wait) end
end
return { hits, redis.call('PTTL', KEYS[1]) }
`;

/**
 * Counters in Redis, shared by every instance of the API. While Redis is away the same limits
 * are counted in this process instead (per instance, so looser behind several replicas, but
 * never off), and Redis takes over again when it is back.
 */
export class RedisCounter implements Counter {
  private readonly fallback = new MemoryCounter();
  private lastWarning = 0;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  async hit(key: string, limit: Limit): Promise<Hit> {
    try {
      const [hits, remainingMs] = (await this.redis.eval(HIT, 1, `${this.prefix}${key}`, limit.windowMs, limit.max, MAX_BLOCK_MS)) as [
        number,
        number,
      ];
      return { hits, remainingMs };
    } catch (error) {
      if (Date.now() - this.lastWarning > 10_000) {
        this.lastWarning = Date.now();
        this.logger.warn({ err: (error as Error).message }, 'rate limit store unavailable; counting in this process');
      }
      return this.fallback.hit(key, limit);
    }
  }
}
{%- endif %}

export class RateLimitedError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super(429, 'rate_limited', `Too many requests; retry in ${retryAfterSeconds} s.`);
    this.headers = { 'retry-after': String(retryAfterSeconds) };
  }
}

/**
 * Who a client is, for its limit: its address, with an IPv6 address taken as its /64 (one host
 * is handed a whole /64; counting each of its addresses apart would give it 2^64 budgets).
 */
export function clientKey(address: string | undefined): string {
  const ip = (address ?? 'unknown').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  if (!isIPv6(ip)) return ip;
  const [head = '', tail = ''] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((group) => (parseInt(group, 16) || 0).toString(16))
    .join(':')}::/64`;
}

export interface RateLimits {
  /** Per client address and credential operation (AUTH_RATE_LIMIT_*). */
  client: Limit;
  /** Per account and operation (login, password reset, verification mail, refresh): AUTH_ACCOUNT_RATE_LIMIT_*. */
  account: Limit;
}

/** The limits on the credential operations, the same in every stack. */
export class RateLimiter {
  constructor(
    private readonly counter: Counter,
    private readonly limits: RateLimits,
    private readonly logger: Logger,
  ) {}

  /** Counts a call of a credential operation from a client address; throws RateLimitedError past the limit. */
  async client(operation: string, address: string | undefined): Promise<void> {
    await this.check('client', operation, `client:${operation}:${clientKey(address)}`, this.limits.client);
  }

  /**
   * Counts a call for one account (a normalised email address, or a session), whatever address it
   * comes from: a distributed guess at one password meets this limit, not only the per-client one.
   */
  async account(operation: string, subject: string): Promise<void> {
    // Hashed: an email address does not belong in a key that monitoring tools list.
    await this.check('account', operation, `account:${operation}:${hashToken(subject)}`, this.limits.account);
  }

  private async check(limitOf: 'client' | 'account', operation: string, key: string, limit: Limit): Promise<void> {
    const { hits, remainingMs } = await this.counter.hit(key, limit);
    if (hits <= limit.max) return;
    const retryAfterSeconds = Math.max(1, Math.ceil(remainingMs / 1000));
    // The first refusal of a window says so; the calls that keep coming are counted in it, not logged each.
    if (hits === limit.max + 1) securityEvent(this.logger, 'rate_limited', { limit: limitOf, operation, retryAfterSeconds });
    throw new RateLimitedError(retryAfterSeconds);
  }
}
