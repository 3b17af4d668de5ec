{% if auth -%}
import { randomBytes } from 'node:crypto';
{% endif -%}
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Test environment: .env when present (for DATABASE_URL and friends), then the settings the
 * tests depend on, whatever .env says: NODE_ENV=test, quiet logs (TEST_LOG_LEVEL to see
 * them){% if auth %}, a random JWT secret unless a real one is given, an auth rate limit the
 * suite cannot hit, writes open to unverified users, no mail cooldown and fast mail retries
 * (the tests of those features set their own){% endif %}.
 */
export function loadTestEnv(): void {
  const envFile = join(__dirname, '..', '..', '.env');
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  process.env.NODE_ENV = 'test';
  process.env.LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? 'silent';
{%- if auth %}
  if (!process.env.JWT_SECRET || process.env.JWT_SECRET.startsWith('change-me')) {
    process.env.JWT_SECRET = randomBytes(48).toString('base64');
  }
  process.env.AUTH_RATE_LIMIT_MAX = '1000';
  process.env.UNVERIFIED_USER_ACCESS = 'full';
  process.env.MAIL_RESEND_COOLDOWN_SECONDS = '0';
  process.env.MAIL_RETRY_BASE_MS = '50';
{%- endif %}
  if (!process.env.DATABASE_URL) {
    throw new Error('DATABASE_URL is not set: point it at a PostgreSQL database the tests may reset (see .env.example).');
  }
}
