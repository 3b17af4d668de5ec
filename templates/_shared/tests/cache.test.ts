import { Redis } from 'ioredis';
import { RedisCache } from '../src/core/cache';
import type { Logger } from '../src/core/logger';

const logger = { warn: jest.fn(), debug: jest.fn() } as unknown as Logger;
const url = process.env.REDIS_URL as string;

/** Two instances of the API as far as the cache goes: each its own connections, one Redis. */
function instance(nearTtlMs = 60_000) {
  const redis = new Redis(url);
  const lookups: string[] = [];
  const cache = new RedisCache(redis, 30, logger, (result) => lookups.push(result), redis.duplicate(), nearTtlMs);
  return {
    cache,
    lookups,
    close() {
      cache.close();
      redis.disconnect();
    },
  };
}

/** Resolves once `check` holds, polling for up to two seconds. */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('did not happen within 2 s');
}

/** Writes a cache entry behind the caches' backs: only a read that reaches Redis sees it. */
async function writeBehind(namespace: string, key: string, value: unknown): Promise<void> {
  const redis = new Redis(url);
  await redis.hset(`cache:${namespace}`, key, JSON.stringify(value));
  redis.disconnect();
}

/** Resolves once the instance keeps what it reads in memory (its invalidation channel is subscribed). */
async function keepingNear(side: ReturnType<typeof instance>, namespace: string): Promise<void> {
  let attempt = 0;
  await eventually(async () => {
    const key = `probe-${(attempt += 1)}`;
    await side.cache.set(namespace, key, 'memory');
    await side.cache.get(namespace, key);
    await writeBehind(namespace, key, 'redis');
    return (await side.cache.get(namespace, key)) === 'memory';
  });
}

describe('RedisCache', () => {
  const namespace = `cache-test-${process.pid}`;
  const one = instance();
  const two = instance();

  beforeAll(async () => {
    await keepingNear(one, namespace);
    await keepingNear(two, namespace);
  });

  afterAll(() => {
    one.close();
    two.close();
  });

  it('hands out a frozen value, the same object on every read from memory', async () => {
    await one.cache.set(namespace, 'page', { data: [{ title: 'First' }] });
    const first = await one.cache.get<{ data: Array<{ title: string }> }>(namespace, 'page');
    const again = await one.cache.get(namespace, 'page');
    expect(first).toEqual({ data: [{ title: 'First' }] });
    expect(again).toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first?.data[0])).toBe(true);
  });

  it('serves a value read once from memory, without asking Redis again', async () => {
    await one.cache.set(namespace, 'kept', 'v1');
    expect(await one.cache.get(namespace, 'kept')).toBe('v1');
    await writeBehind(namespace, 'kept', 'v2');
    expect(await one.cache.get(namespace, 'kept')).toBe('v1');
    expect(one.lookups.at(-1)).toBe('hit');
  });

  it("drops every instance's copy when one instance invalidates the namespace", async () => {
    await one.cache.set(namespace, 'list', ['old']);
    expect(await one.cache.get(namespace, 'list')).toEqual(['old']);
    expect(await two.cache.get(namespace, 'list')).toEqual(['old']);
    await one.cache.invalidate(namespace);
    await one.cache.set(namespace, 'list', ['new']);
    expect(await one.cache.get(namespace, 'list')).toEqual(['new']);
    await eventually(async () => JSON.stringify(await two.cache.get(namespace, 'list')) === '["new"]');
  });

  it('keeps a value in memory for the near TTL at most', async () => {
    const short = instance(300);
    try {
      await keepingNear(short, namespace);
      await short.cache.set(namespace, 'brief', 'v1');
      expect(await short.cache.get(namespace, 'brief')).toBe('v1');
      await writeBehind(namespace, 'brief', 'v2');
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(await short.cache.get(namespace, 'brief')).toBe('v2');
    } finally {
      short.close();
    }
  });
});
