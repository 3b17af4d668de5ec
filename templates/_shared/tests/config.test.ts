import { ConfigError, loadConfig } from '../src/core/config';

const valid = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgresql://app:app@localhost:5432/app',
{%- if cache %}
  REDIS_URL: 'redis://localhost:6379',
{%- endif %}
{%- if auth %}
  JWT_SECRET: 'q7Vd9yN2pL4xR8tW1zK6mB3cF5hJ0sG-aE_uQ',
{%- endif %}
};

describe('loadConfig', () => {
  it('accepts a complete environment and applies defaults', () => {
    const config = loadConfig(valid);
    expect(config.port).toBe({{ port }});
    expect(config.isProduction).toBe(true);
    expect(config.corsOrigins).toEqual([]);
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
