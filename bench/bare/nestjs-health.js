// Bare NestJS: one controller answering GET /health with a small JSON body, on the platform named
// in argv[2] (fastify, the default, or express); no logger, pipes, guards or interceptors.
require('reflect-metadata');
const { Controller, Get, Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');

class HealthController {
  health() {
    return { status: 'ok' };
  }
}
Controller()(HealthController);
Get('health')(HealthController.prototype, 'health', Object.getOwnPropertyDescriptor(HealthController.prototype, 'health'));

class AppModule {}
Module({ controllers: [HealthController] })(AppModule);

async function main() {
  const platform = process.argv[2] ?? 'fastify';
  const adapter =
    platform === 'express'
      ? new (require('@nestjs/platform-express').ExpressAdapter)()
      : new (require('@nestjs/platform-fastify').FastifyAdapter)();
  const app = await NestFactory.create(AppModule, adapter, { logger: false });
  await app.listen(Number(process.env.PORT), '127.0.0.1');
}
main();
