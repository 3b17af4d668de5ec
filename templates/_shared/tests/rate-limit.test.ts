{% if cache -%}
import { Redis } from 'ioredis';
{% endif -%}
import { clientKey, MemoryCounter, RateLimitedError, RateLimiter{% if cache %}, RedisCounter{% endif %} } from '../src/core/auth/rate-limit';
import type { Logger } from '../src/core/logger';

const logger = { warn: jest.fn(), info: jest.fn() } as unknown as Logger;
const limits = { client: { max: 2, windowMs: 60_000 }, account: { max: 2, windowMs: 1000 } };

/** The seconds a refused call is told to wait, or 0 when it went through. */
async function waitOf(call: Promise<void>): Promise<number> {
  try {
    await call;
    return 0;
  } catch (error) {
    if (error instanceof RateLimitedError) return error.retryAfterSeconds;
    throw error;
  }
}

describe('clientKey', () => {
  it('counts an IPv6 client by its /64, and an IPv4 address as itself', () => {
    expect(clientKey('2001:db8:7:9::1')).toBe('2001:db8:7:9::/64');
    expect(clientKey('2001:0db8:0007:0009:ffff:1:2:3')).toBe('2001:db8:7:9::/64');
    expect(clientKey('2001:db8::9')).toBe('2001:db8:0:0::/64');
    expect(clientKey('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(clientKey('198.51.100.7')).toBe('198.51.100.7');
  });
});

describe('RateLimiter', () => {
  it('limits one account, and doubles the wait with every call past the limit', async () => {
    const limiter = new RateLimiter(new MemoryCounter(), limits, logger);
    const waits = [];
    for (let i = 0; i < 6; i += 1) waits.push(await waitOf(limiter.account('login', 'ada@example.com')));
    expect(waits).toEqual([0, 0, 1, 2, 4, 8]);
    expect(await waitOf(limiter.account('login', 'bob@example.com'))).toBe(0);
  });

  it('limits each client per operation', async () => {
    const limiter = new RateLimiter(new MemoryCounter(), limits, logger);
    for (let i = 0; i < 2; i += 1) await limiter.client('login', '2001:db8:7:9::1');
    await expect(limiter.client('login', '2001:db8:7:9::2')).rejects.toMatchObject({
      status: 429,
      code: 'rate_limited',
      headers: { 'retry-after': '60' },
    });
    await expect(limiter.client('refresh', '2001:db8:7:9::2')).resolves.toBeUndefined();
  });
{%- if cache %}

  it('shares counts through Redis, and counts in the process while Redis is away', async () => {
    const redis = new Redis(process.env.REDIS_URL as string);
    const prefix = `spec-${Date.now()}:`;
    try {
      const one = new RateLimiter(new RedisCounter(redis, prefix, logger), limits, logger);
      const two = new RateLimiter(new RedisCounter(redis, prefix, logger), limits, logger);
      await one.client('login', '198.51.100.1');
      await two.client('login', '198.51.100.1');
      await expect(one.client('login', '198.51.100.1')).rejects.toBeInstanceOf(RateLimitedError);
    } finally {
      redis.disconnect();
    }
    const away = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    const offline = new RateLimiter(new RedisCounter(away, prefix, logger), limits, logger);
    await offline.client('login', '198.51.100.1');
    await offline.client('login', '198.51.100.1');
    await expect(offline.client('login', '198.51.100.1')).rejects.toBeInstanceOf(RateLimitedError);
    expect(logger.warn).toHaveBeenCalledWith(expect.anything(), 'rate limit store unavailable; counting in this process');
    away.disconnect();
  });
{%- endif %}
});
