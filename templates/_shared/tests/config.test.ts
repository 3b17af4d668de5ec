import { ConfigError, loadConfig } from '../src/core/config';

const valid = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgresql://app:app@localhost:5432/app',
{%- if cache %}
  REDIS_URL: 'redis://localhost:6379',
{%- endif %}
{%- if auth %}
  JWT_SECRET: 'q7Vd9yN2pL4xR8tW1zK6mB3cF5hJ0sG-aE_uQ',
  SMTP_URL: 'smtps://mailer:secret@smtp.example.com:465',
{%- endif %}
};

describe('loadConfig', () => {
  it('accepts a complete environment and applies defaults', () => {
    const config = loadConfig(valid);
    expect(config.port).toBe({{ port }});
    expect(config.isProduction).toBe(true);
    expect(config.corsOrigins).toEqual([]);
  });

  it('runs as production unless development is asked for', () => {
    const unset: Record<string, string> = { ...valid };
    delete unset.NODE_ENV;
    expect(loadConfig(unset)).toMatchObject({ env: 'production', isProduction: true });
{%- if auth %}
    expect(() => loadConfig({ ...unset, JWT_SECRET: 'change-me-to-a-long-random-secret-of-48-bytes' })).toThrow(
      /JWT_SECRET is a placeholder/,
    );
{%- endif %}
  });

  it('trusts no proxy by default, and a hop count or addresses when told', () => {
    expect(loadConfig(valid).trustProxy).toBe(false);
    expect(loadConfig({ ...valid, TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ ...valid, TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toEqual(['loopback', '10.0.0.0/8']);
  });

  it('refuses to trust every proxy, since clients could then spoof their address', () => {
    expect(() => loadConfig({ ...valid, TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY.*spoof/);
    expect(() => loadConfig({ ...valid, TRUST_PROXY: 'proxy.internal' })).toThrow(/TRUST_PROXY/);
  });

{%- if auth %}
  it('needs a mail server in production, and names the fix', () => {
    const withoutSmtp: Record<string, string> = { ...valid };
    delete withoutSmtp.SMTP_URL;
    expect(() => loadConfig(withoutSmtp)).toThrow(/SMTP_URL is required in production.*smtps:\/\//);
    expect(() => loadConfig({ ...valid, SMTP_URL: 'mail.example.com' })).toThrow(/SMTP_URL must be an smtp:\/\/ or smtps:\/\/ URL/);
    expect(loadConfig({ ...withoutSmtp, NODE_ENV: 'development' }).mail.smtpUrl).toBe('smtp://localhost:1025');
  });

  it('reads what unverified users may do, and refuses anything else', () => {
    expect(loadConfig(valid).unverifiedAccess).toBe('{{ unverified_access }}');
    expect(loadConfig({ ...valid, UNVERIFIED_USER_ACCESS: 'none' }).unverifiedAccess).toBe('none');
    expect(() => loadConfig({ ...valid, UNVERIFIED_USER_ACCESS: 'maybe' })).toThrow(/UNVERIFIED_USER_ACCESS must be 'read'/);
    expect(() => loadConfig({ ...valid, MAIL_FROM: 'not an address' })).toThrow(/MAIL_FROM must be an address/);
  });

{%- endif %}
  it('lists every missing or bad variable at once', () => {
    let caught: unknown;
    try {
      loadConfig({ PORT: 'eighty' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const message = (caught as ConfigError).message;
    expect(message).toContain('DATABASE_URL');
    expect(message).toContain('PORT');
{%- if cache %}
    expect(message).toContain('REDIS_URL');
{%- endif %}
{%- if auth %}
    expect(message).toContain('JWT_SECRET');
{%- endif %}
  });

  it('parses CORS origins as a list and refuses ones that are not URLs', () => {
    expect(loadConfig({ ...valid, CORS_ORIGINS: 'https://a.example, https://b.example' }).corsOrigins).toEqual([
      'https://a.example',
      'https://b.example',
    ]);
    expect(() => loadConfig({ ...valid, CORS_ORIGINS: 'not a url' })).toThrow(/CORS_ORIGINS/);
  });
{%- if auth %}

  it('refuses the placeholder JWT secret outside development', () => {
    const placeholder = { ...valid, JWT_SECRET: 'change-me-to-a-long-random-secret-of-48-bytes' };
    expect(() => loadConfig(placeholder)).toThrow(/JWT_SECRET is a placeholder/);
    expect(loadConfig({ ...placeholder, NODE_ENV: 'development' }).env).toBe('development');
  });

  it('refuses a short JWT secret', () => {
    expect(() => loadConfig({ ...valid, JWT_SECRET: 'short' })).toThrow(/at least 32 characters/);
  });
{%- endif %}
});
