{% if auth -%}
import { randomBytes } from 'node:crypto';
{% endif -%}
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Test environment: .env when present, NODE_ENV=test, and a random JWT secret unless one is given. */
export function loadTestEnv(): void {
  const envFile = join(__dirname, '..', '..', '.env');
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  process.env.NODE_ENV = 'test';
  process.env.LOG_LEVEL ??= 'silent';
{%- if auth %}
  if (!process.env.JWT_SECRET || process.env.JWT_SECRET.startsWith('change-me')) {
    process.env.JWT_SECRET = randomBytes(48).toString('base64');
  }
  process.env.AUTH_RATE_LIMIT_MAX ??= '1000';
{%- endif %}
  if (!process.env.DATABASE_URL) {
    throw new Error('DATABASE_URL is not set: point it at a PostgreSQL database the tests may reset (see .env.example).');
  }
}
