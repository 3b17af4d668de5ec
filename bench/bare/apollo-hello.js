// Bare Apollo Server 5 answering `{ hello }` at /graphql: its standalone server (`standalone`), or
// inside Fastify through @as-integrations/fastify (`fastify`, with GET /health beside it).
const { ApolloServer } = require('@apollo/server');

const typeDefs = 'type Query { hello: String! }';
const resolvers = { Query: { hello: () => 'world' } };
const port = Number(process.env.PORT);
const mode = process.argv[2] ?? 'standalone';

async function main() {
  const apollo = new ApolloServer({ typeDefs, resolvers });
  if (mode === 'standalone') {
    const { startStandaloneServer } = require('@apollo/server/standalone');
    await startStandaloneServer(apollo, { listen: { host: '127.0.0.1', port } });
    return;
  }
  const fastify = require('fastify')();
  const { default: fastifyApollo } = require('@as-integrations/fastify');
  await apollo.start();
  await fastify.register(fastifyApollo(apollo));
  fastify.get('/health', async () => ({ status: 'ok' }));
  await fastify.listen({ host: '127.0.0.1', port });
}
main();
