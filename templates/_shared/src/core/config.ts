import { isIP } from 'node:net';
import { z } from 'zod';

{%- if auth %}

/** Values that ship in .env.example and must never reach a real deployment. */
const PLACEHOLDER_SECRETS = ['change-me', 'changeme', 'secret', 'dev-secret', 'please-change'];
{%- endif %}

const origins = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.url({ message: 'each origin must be a URL such as https://app.example.com' })));

/**
 * Which proxies may set X-Forwarded-For: `false` (none, the default), a hop count, or
 * their addresses/subnets. Trusting every proxy would let any client pick its own address.
 */
const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const trustedProxies = z
  .string()
  .trim()
  .refine((value) => !['true', 'yes', '*'].includes(value.toLowerCase()), {
    message:
      'trusting every proxy lets clients spoof their address; give the number of proxies in front of the app (e.g. 1) or their addresses (e.g. 10.0.0.0/8)',
  })
  .transform((value): false | number | string[] => {
    if (value === '' || ['false', 'no', '0'].includes(value.toLowerCase())) return false;
    if (/^\d+$/.test(value)) return Number(value);
    return value
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
  })
  .refine((value) => !Array.isArray(value) || value.every((entry) => PROXY_NAMES.has(entry) || isIP(entry.split('/')[0] ?? '') !== 0), {
    message: 'must be false, a number of proxies, or comma-separated addresses/subnets (e.g. 10.0.0.0/8, loopback)',
  });

const envFields = z.object({
  // Unset means production: placeholder secrets refused, internals masked{% if api_type == 'graphql' %}, no introspection{% endif %}. Development is asked for (.env.example does).
  NODE_ENV: z.enum(['development', 'test', 'production']).default('production'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default({{ port }}),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z
    .string({ message: 'is required, e.g. postgresql://user:password@localhost:5432/app' })
    .regex(/^postgres(ql)?:\/\/.+/, 'must be a postgresql:// URL'),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(5000),
{%- if cache %}
  REDIS_URL: z
    .string({ message: 'is required when the cache is on, e.g. redis://localhost:6379' })
    .regex(/^rediss?:\/\/.+/, 'must be a redis:// or rediss:// URL'),
  CACHE_TTL_SECONDS: z.coerce.number().int().min(1).default(30),
{%- endif %}
{%- if auth %}
  JWT_SECRET: z
    .string({ message: 'is required; generate one with `openssl rand -base64 48`' })
    .min(32, 'must be at least 32 characters; generate one with `openssl rand -base64 48`'),
  JWT_ISSUER: z.string().min(1).default('{{ project_slug }}'),
  JWT_AUDIENCE: z.string().min(1).default('{{ project_slug }}'),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).default(900),
  REFRESH_TOKEN_TTL_SECONDS: z.coerce.number().int().min(300).default(604800),
  AUTH_RATE_LIMIT_MAX: z.coerce.number().int().min(1).default(10),
  AUTH_RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).default(60),
  AUTH_ACCOUNT_RATE_LIMIT_MAX: z.coerce.number().int().min(1).default(10),
  AUTH_ACCOUNT_RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).default(900),
  UNVERIFIED_USER_ACCESS: z
    .enum(['read', 'none', 'full'], { message: "must be 'read' (log in and read, not write), 'none' (no login) or 'full'" })
    .default('{{ unverified_access }}'),
  EMAIL_VERIFICATION_TTL_SECONDS: z.coerce.number().int().min(60).default(86400),
  PASSWORD_RESET_TTL_SECONDS: z.coerce.number().int().min(60).default(3600),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/.+/, 'must be an smtp:// or smtps:// URL, e.g. smtps://user:password@smtp.example.com:465')
    .optional(),
  MAIL_FROM: z
    .string()
    .regex(/^(?:[^<>]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/, 'must be an address, e.g. "My API <no-reply@example.com>"')
    .default({{ project_name | mail_sender | ts_string }}),
  MAIL_LINK_BASE_URL: z
    .url({ message: 'must be the URL the links in mails start with, e.g. https://app.example.com/auth' })
    .default({% if api_type == 'graphql' %}'http://localhost:5173/auth'{% else %}'http://localhost:{{ port }}{{ api_prefix }}/auth'{% endif %}),
  MAIL_RESEND_COOLDOWN_SECONDS: z.coerce.number().int().min(0).default(60),
  MAIL_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(6),
  MAIL_RETRY_BASE_MS: z.coerce.number().int().min(10).default(2000),
{%- endif %}
  CORS_ORIGINS: origins.default([]),
  TRUST_PROXY: trustedProxies.default(false),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(102400),
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1000).default(30000),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10000),
{%- if api_type == 'graphql' %}
  GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(2).max(50).default(10),
  GRAPHQL_MAX_COST: z.coerce.number().int().min(10).default(50000),
{%- endif %}
});
{%- if auth %}

const envSchema = envFields.superRefine((env, ctx) => {
  const secret = env.JWT_SECRET.toLowerCase();
  if (env.NODE_ENV !== 'development' && PLACEHOLDER_SECRETS.some((p) => secret.includes(p))) {
    ctx.addIssue({
      code: 'custom',
      path: ['JWT_SECRET'],
      message: `is a placeholder, refused when NODE_ENV=${env.NODE_ENV}; generate one with \`openssl rand -base64 48\``,
    });
  }
  if (env.NODE_ENV === 'production' && !env.SMTP_URL) {
    ctx.addIssue({
      code: 'custom',
      path: ['SMTP_URL'],
      message: 'is required in production (verification and password reset mails), e.g. smtps://user:password@smtp.example.com:465',
    });
  }
});
{%- else %}

const envSchema = envFields;
{%- endif %}

export type Env = z.infer<typeof envSchema>;

export interface Config {
  env: Env['NODE_ENV'];
  isProduction: boolean;
  host: string;
  port: number;
  logLevel: Env['LOG_LEVEL'];
  databaseUrl: string;
  databasePoolMax: number;
  /** PostgreSQL cancels a statement of the API that runs longer (0: never); the request gets a 503. */
  databaseStatementTimeoutMs: number;
{%- if cache %}
  redisUrl: string;
  cacheTtlSeconds: number;
{%- endif %}
{%- if auth %}
  jwt: { secret: string; issuer: string; audience: string; accessTtl: number; refreshTtl: number };
  /** Credential operations: per client address, and per account whatever the address (then doubling waits). */
  authRateLimit: { max: number; windowSeconds: number };
  accountRateLimit: { max: number; windowSeconds: number };
  /** What a user whose email is not verified yet may do. */
  unverifiedAccess: 'read' | 'none' | 'full';
  tokenTtl: { verifyEmail: number; resetPassword: number };
  mail: { smtpUrl: string; from: string; linkBaseUrl: string; cooldownSeconds: number; maxAttempts: number; retryBaseMs: number };
{%- endif %}
  corsOrigins: string[];
  trustProxy: false | number | string[];
  bodyLimit: number;
  /** The longest a client may take to send a whole request, headers and body; then 408 and the connection closes. */
  requestTimeoutMs: number;
  shutdownGraceMs: number;
{%- if api_type == 'graphql' %}
  /** How deep a query may nest, and what it may cost (fields, times the page sizes they are asked for). */
  graphqlLimits: { maxDepth: number; maxCost: number };
{%- endif %}
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p}`).join('\n') +
        '\nSet these in the environment or in .env (see .env.example).',
    );
    this.name = 'ConfigError';
  }
}

/** Reads and validates the environment once, at boot; lists every bad or missing variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'} ${issue.message}`));
  }
  const env = parsed.data;
  return {
    env: env.NODE_ENV,
    isProduction: env.NODE_ENV === 'production',
    host: env.HOST,
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    databaseUrl: env.DATABASE_URL,
    databasePoolMax: env.DATABASE_POOL_MAX,
    databaseStatementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
{%- if cache %}
    redisUrl: env.REDIS_URL,
    cacheTtlSeconds: env.CACHE_TTL_SECONDS,
{%- endif %}
{%- if auth %}
    jwt: {
      secret: env.JWT_SECRET,
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      accessTtl: env.ACCESS_TOKEN_TTL_SECONDS,
      refreshTtl: env.REFRESH_TOKEN_TTL_SECONDS,
    },
    authRateLimit: { max: env.AUTH_RATE_LIMIT_MAX, windowSeconds: env.AUTH_RATE_LIMIT_WINDOW_SECONDS },
    accountRateLimit: { max: env.AUTH_ACCOUNT_RATE_LIMIT_MAX, windowSeconds: env.AUTH_ACCOUNT_RATE_LIMIT_WINDOW_SECONDS },
    unverifiedAccess: env.UNVERIFIED_USER_ACCESS,
    tokenTtl: { verifyEmail: env.EMAIL_VERIFICATION_TTL_SECONDS, resetPassword: env.PASSWORD_RESET_TTL_SECONDS },
    mail: {
      // Development and tests default to a local mail catcher (docker compose runs Mailpit there).
      smtpUrl: env.SMTP_URL ?? 'smtp://localhost:1025',
      from: env.MAIL_FROM,
      linkBaseUrl: env.MAIL_LINK_BASE_URL.replace(/\/+$/, ''),
      cooldownSeconds: env.MAIL_RESEND_COOLDOWN_SECONDS,
      maxAttempts: env.MAIL_MAX_ATTEMPTS,
      retryBaseMs: env.MAIL_RETRY_BASE_MS,
    },
{%- endif %}
    corsOrigins: env.CORS_ORIGINS,
    trustProxy: env.TRUST_PROXY,
    bodyLimit: env.BODY_LIMIT_BYTES,
    requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
{%- if api_type == 'graphql' %}
    graphqlLimits: { maxDepth: env.GRAPHQL_MAX_DEPTH, maxCost: env.GRAPHQL_MAX_COST },
{%- endif %}
  };
}
