{% if cache -%}
import { Redis } from 'ioredis';
import type { Logger } from './logger';

{% endif -%}
/**
 * A namespaced JSON cache. A namespace is one Redis hash, so a write invalidates
 * every cached page of it with a single DEL, seen at once by every instance.
 * Cache failures never fail a request: reads miss, writes are skipped.
 */
export interface Cache {
  readonly enabled: boolean;
  get<T>(namespace: string, key: string): Promise<T | undefined>;
  set(namespace: string, key: string, value: unknown): Promise<void>;
  invalidate(namespace: string): Promise<void>;
  ping(): Promise<void>;
}

export class NoCache implements Cache {
  readonly enabled = false;
  async get<T>(): Promise<T | undefined> {
    return undefined;
  }
  async set(): Promise<void> {}
  async invalidate(): Promise<void> {}
  async ping(): Promise<void> {}
}
{%- if cache %}

/** Opens a Redis client that fails fast while Redis is away and reconnects on its own. */
export function createRedis(url: string, logger: Logger): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  let lastReport = 0;
  redis.on('error', (error) => {
    const now = Date.now();
    if (now - lastReport > 10000) {
      lastReport = now;
      logger.warn({ err: error.message }, 'redis unavailable; serving without cache');
    }
  });
  return redis;
}

/** Resolves once Redis is connected, or after `timeoutMs` when it is not reachable. */
export function whenRedisReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    redis.once('ready', done);
  });
}

export class RedisCache implements Cache {
  readonly enabled = true;

  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
    private readonly logger: Logger,
  ) {}

  async get<T>(namespace: string, key: string): Promise<T | undefined> {
    try {
      const raw = await this.redis.hget(`cache:${namespace}`, key);
      return raw === null ? undefined : (JSON.parse(raw) as T);
    } catch (error) {
      this.logger.debug({ err: (error as Error).message, namespace }, 'cache read skipped');
      return undefined;
    }
  }

  async set(namespace: string, key: string, value: unknown): Promise<void> {
    const hash = `cache:${namespace}`;
    try {
      await this.redis.multi().hset(hash, key, JSON.stringify(value)).expire(hash, this.ttlSeconds, 'NX').exec();
    } catch (error) {
      this.logger.debug({ err: (error as Error).message, namespace }, 'cache write skipped');
    }
  }

  async invalidate(namespace: string): Promise<void> {
    try {
      await this.redis.del(`cache:${namespace}`);
    } catch (error) {
      // A missed invalidation is bounded by the TTL; say so loudly.
      this.logger.warn({ err: (error as Error).message, namespace }, 'cache invalidation failed; entries expire by TTL');
    }
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }
}
{%- endif %}
