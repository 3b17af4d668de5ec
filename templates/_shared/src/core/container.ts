{% if cache -%}
import { createRedis, RedisCache, whenRedisReady, type Cache } from './cache';
{% else -%}
import { NoCache, type Cache } from './cache';
{% endif -%}
import type { Config } from './config';
import { createDb, pingDb, type Db } from './db';
import type { Logger } from './logger';
{%- if auth %}
import { {% if cache %}RedisCounter{% else %}MemoryCounter{% endif %}, RateLimiter } from './auth/rate-limit';
import { Mailer } from './mail/mailer';
{%- endif %}
import { createMetrics, type Metrics } from './metrics';
{%- if auth %}
import { AuthService } from './modules/auth/auth.service';
import { SessionsRepository } from './modules/auth/sessions.repository';
import { UserTokensRepository } from './modules/auth/user-tokens.repository';
{%- endif %}
import { CommentsRepository } from './modules/comments/comments.repository';
import { CommentsService } from './modules/comments/comments.service';
import { PostsRepository } from './modules/posts/posts.repository';
import { PostsService } from './modules/posts/posts.service';
import { UsersRepository } from './modules/users/users.repository';
import { UsersService } from './modules/users/users.service';

export type DependencyState = 'up' | 'down';

/** Everything the transport layer needs, wired once; services get their dependencies by constructor. */
export interface Container {
  config: Config;
  logger: Logger;
  db: Db;
  cache: Cache;
{%- if cache %}
  redis: ReturnType<typeof createRedis>;
{%- endif %}
  metrics: Metrics;
  users: UsersService;
  posts: PostsService;
  comments: CommentsService;
{%- if auth %}
  auth: AuthService;
  mailer: Mailer;
  /** The limits on credential operations, per client and per account ({% if cache %}counted in Redis, in this process while it is away{% else %}counted in this process{% endif %}). */
  limiter: RateLimiter;
{%- endif %}
  readiness(): Promise<Record<string, DependencyState>>;
  /** Waits briefly for the connections that open in the background; never fails (the app starts degraded). */
  connect(): Promise<void>;
  /** Waits for work that requests started and left running (mail links written to the database). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

async function state(check: () => Promise<unknown>, timeoutMs = 1000): Promise<DependencyState> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), timeoutMs);
  });
  try {
    await Promise.race([check(), timeout]);
    return 'up';
  } catch {
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}

export function createContainer(config: Config, logger: Logger): Container {
  const db = createDb(config);
{%- if cache %}
  const redis = createRedis(config.redisUrl, logger);
  const cache: Cache = new RedisCache(redis, config.cacheTtlSeconds, logger);
{%- else %}
  const cache: Cache = new NoCache();
{%- endif %}
  const usersRepository = new UsersRepository(db);
  const posts = new PostsService(new PostsRepository(db), cache);
{%- if auth %}
  const mailer = new Mailer(config.mail, logger);
  const counter = {% if cache %}new RedisCounter(redis, '{{ project_slug }}:ratelimit:', logger){% else %}new MemoryCounter(){% endif %};
  const limiter = new RateLimiter(
    counter,
    {
      client: { max: config.authRateLimit.max, windowMs: config.authRateLimit.windowSeconds * 1000 },
      account: { max: config.accountRateLimit.max, windowMs: config.accountRateLimit.windowSeconds * 1000 },
    },
    logger,
  );
  const auth = new AuthService(
    usersRepository,
    new SessionsRepository(db),
    new UserTokensRepository(db),
    mailer,
    limiter,
    {
      appName: {{ project_name | ts_string }},
      jwt: config.jwt,
      unverifiedAccess: config.unverifiedAccess,
      tokenTtl: config.tokenTtl,
      mail: config.mail,
    },
    logger,
  );
{%- endif %}
  return {
    config,
    logger,
    db,
    cache,
{%- if cache %}
    redis,
{%- endif %}
    metrics: createMetrics(),
    users: new UsersService(usersRepository{% if auth %}, logger{% endif %}),
    posts,
    comments: new CommentsService(new CommentsRepository(db), posts, cache),
{%- if auth %}
    auth,
    mailer,
    limiter,
{%- endif %}
    async readiness() {
      return {
        database: await state(() => pingDb(db)),
{%- if cache %}
        cache: await state(() => cache.ping()),
{%- endif %}
      };
    },
{%- if cache %}
    async connect() {
      await whenRedisReady(redis, 2000);
    },
{%- else %}
    async connect() {},
{%- endif %}
{%- if auth %}
    async settle() {
      await auth.settle();
    },
{%- else %}
    async settle() {},
{%- endif %}
    async close() {
{%- if auth %}
      await auth.settle();
      await mailer.close();
{%- endif %}
{%- if cache %}
      redis.disconnect();
{%- endif %}
      await db.$disconnect();
    },
  };
}
