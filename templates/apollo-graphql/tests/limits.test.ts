import { startApp } from './helpers/app';
import { graphql, refused } from './helpers/graphql';
import { useApp } from './helpers/lifecycle';

describe('GraphQL: what one request may ask', () => {
  const app = useApp({ GRAPHQL_MAX_DEPTH: '6', GRAPHQL_MAX_COST: '500' });

  it('refuses a query nested deeper than the limit, before it runs', async () => {
    const deep = '{ posts { nodes { author { posts { nodes { author { name } } } } } } }';
    const error = await refused(app().api, deep);
    expect(error).toMatchObject({ code: 'QUERY_TOO_COMPLEX', reason: 'query_too_deep', depth: 7, limit: 6, status: 400 });
  });

  it('refuses a query whose page sizes multiply past the cost limit, variables and fragments included', async () => {
    const costly = `fragment P on Post { comments(first: $n) { nodes { id } } }
      query ($n: Int) { posts(first: $n) { nodes { ...P ... on Post { likeCount } } } }`;
    expect(await refused(app().api, costly, { n: 50 })).toMatchObject({
      code: 'QUERY_TOO_COMPLEX',
      reason: 'query_too_costly',
      limit: 500,
    });
    const small = await graphql(app().api, costly, { n: 5 });
    expect(small.errors).toBeUndefined();
  });

  it('prices a page size left to a variable by its default as execution will run it, not by the usual page', async () => {
    const defaulted = 'query ($n: Int = 100) { posts(first: $n) { nodes { comments(first: $n) { nodes { id } } } } }';
    // 100 posts × (1 + 100 comments × 2 fields), as the default runs it; the usual page of 20 would say 841.
    expect(await refused(app().api, defaulted, {})).toMatchObject({ reason: 'query_too_costly', cost: 20201, limit: 500 });
    expect((await graphql(app().api, defaulted, { n: 2 })).errors).toBeUndefined();
  });

  it('refuses a fragment spread 2^30 times at once, without expanding it, while the server keeps answering', async () => {
    const levels = 30;
    const fragments = Array.from({ length: levels }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`);
    const query = `query { ...F0 } ${fragments.join(' ')} fragment F${levels} on Query { __typename }`;
    const started = performance.now();
    const [error] = await Promise.all([refused(app().api, query), app().api.get('/health').expect(200)]);
    expect(error).toMatchObject({ code: 'QUERY_TOO_COMPLEX', reason: 'query_too_large', limit: 10000 });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('refuses a batch of operations in one request', async () => {
    const response = await app()
      .api.post('/graphql')
      .send([{ query: '{ posts { nodes { id } } }' }, { query: '{ posts { nodes { id } } }' }]);
    expect(response.status).toBe(400);
  });

  it('lets development tools introspect the schema outside production', async () => {
    const response = await graphql(app().api, '{ __schema { queryType { name } } }');
    expect(response.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });
});

describe('GraphQL in production', () => {
  it('turns introspection and the sandbox off, and masks internal errors', async () => {
    const production = await startApp({ NODE_ENV: 'production' });
    try {
      const introspection = await refused(production.api, '{ __schema { queryType { name } } }');
      expect(introspection.code).toBe('GRAPHQL_VALIDATION_FAILED');
      const page = await production.api.get('/graphql').set('accept', 'text/html');
      expect(page.text).not.toContain('apollographql');

      jest.spyOn(production.container.posts, 'list').mockRejectedValueOnce(new Error('secret internals: password=hunter2'));
      const failed = await graphql(production.api, '{ posts { nodes { id } } }');
      expect(failed.errors).toEqual([
        {
          message: 'An unexpected error occurred.',
          path: ['posts'],
          locations: expect.any(Array),
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        },
      ]);
      expect(JSON.stringify(failed)).not.toContain('hunter2');
    } finally {
      await production.close();
    }
  });

  it('shows the sandbox, under its own content security policy, in development', async () => {
    const development = await startApp({ NODE_ENV: 'development' });
    try {
      const page = await development.api.get('/graphql').set('accept', 'text/html').expect(200);
      expect(page.text).toContain('apollographql');
      expect(page.headers['content-security-policy']).toContain('https://embeddable-sandbox.cdn.apollographql.com');
      const api = await development.api.get('/health');
      expect(api.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    } finally {
      await development.close();
    }
  });
});
