// Bare Fastify: GET /health with a small JSON body, nothing else (no logger, no plugins).
const fastify = require('fastify')();

fastify.get('/health', async () => ({ status: 'ok' }));
fastify.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
