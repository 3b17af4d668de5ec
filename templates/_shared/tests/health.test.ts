import { startApp, type TestApp } from './helpers/app';

describe('health and operations endpoints', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it('GET /health answers 200 while the process is up', async () => {
    const response = await app.api.get('/health').expect(200);
    expect(response.body.status).toBe('ok');
    expect(response.headers['x-request-id']).toBeTruthy();
  });

  it('GET /health/ready reports every dependency up', async () => {
    const response = await app.api.get('/health/ready').expect(200);
    expect(response.body).toEqual({ status: 'ready', checks: { database: 'up'{% if cache %}, cache: 'up'{% endif %} } });
  });

  it('GET /metrics exposes Prometheus metrics including request durations', async () => {
    await app.api.get('/health');
    const response = await app.api.get('/metrics').expect(200);
    expect(response.text).toContain('http_request_duration_seconds');
    expect(response.text).toContain('process_cpu_user_seconds_total');
  });

  it('answers a path it has, asked with a method it does not answer there, with 405 and Allow', async () => {
    const response = await app.api.delete('/metrics').expect(405);
    expect(response.headers.allow).toBe('GET, HEAD');
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(response.body.code).toBe('method_not_allowed');
    await app.api.delete('/nowhere').expect(404);
  });
{%- if api_type == 'rest' %}

  it('GET /docs/json serves the OpenAPI document of every route', async () => {
    const response = await app.api.get('/docs/json').expect(200);
    expect(response.body.openapi).toMatch(/^3\./);
    expect(Object.keys(response.body.paths)).toEqual(expect.arrayContaining(['{{ api_prefix }}/posts', '{{ api_prefix }}/posts/{id}']));
  });
{%- endif %}

  it('keeps a well-formed request id from the caller', async () => {
    const response = await app.api.get('/health').set('x-request-id', 'trace-123').expect(200);
    expect(response.headers['x-request-id']).toBe('trace-123');
  });

  it('sets security headers', async () => {
    const response = await app.api.get('/health');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['strict-transport-security']).toBeDefined();
  });
});

describe('readiness when the database is unreachable', () => {
  it('answers 503 naming the database', async () => {
    const app = await startApp({ DATABASE_URL: 'postgresql://nobody:nothing@127.0.0.1:1/none' });
    try {
      const response = await app.api.get('/health/ready').expect(503);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(response.body.checks.database).toBe('down');
      expect(response.body.detail).toContain('database');
    } finally {
      await app.close();
    }
  });

  it('fails a request fast{% if api_type == 'graphql' %} with SERVICE_UNAVAILABLE{% else %} with a problem+json 503{% endif %} instead of hanging', async () => {
    const app = await startApp({ DATABASE_URL: 'postgresql://nobody:nothing@127.0.0.1:1/none' });
    try {
{%- if api_type == 'graphql' %}
      const response = await app.api
        .post('/graphql')
        .send({ query: '{ post(id: "00000000-0000-4000-8000-000000000000") { id } }' })
        .expect(200);
      expect(response.body.errors[0].extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', reason: 'dependency_unavailable' });
{%- else %}
      const response = await app.api.get('{{ api_prefix }}/posts').expect(503);
      expect(response.body.code).toBe('dependency_unavailable');
{%- endif %}
    } finally {
      await app.close();
    }
  });
});
{%- if cache %}

describe('readiness when only Redis is unreachable', () => {
  it('stays 200, degraded, and the API serves from the database', async () => {
    const app = await startApp({ REDIS_URL: 'redis://127.0.0.1:1' });
    try {
      const response = await app.api.get('/health/ready').expect(200);
      expect(response.body).toEqual({ status: 'degraded', checks: { database: 'up', cache: 'down' } });
{%- if api_type == 'graphql' %}
      const posts = await app.api.post('/graphql').send({ query: '{ posts { nodes { id } } }' }).expect(200);
      expect(posts.body).toEqual({ data: { posts: { nodes: [] } } });
{%- else %}
      await app.api.get('{{ api_prefix }}/posts').expect(200);
{%- endif %}
    } finally {
      await app.close();
    }
  });
});
{%- endif %}
