import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Container } from '../../core/container';
import { PROBLEM_CONTENT_TYPE } from '../../core/errors';
import { liveness, readiness } from '../common';
import { CONTAINER } from '../nest/core.module';
import { Endpoint } from '../nest/endpoint';

/** Liveness, readiness and metrics, outside the API prefix. */
@ApiTags('health')
@Controller()
export class HealthController {
  constructor(@Inject(CONTAINER) private readonly container: Container) {}

  @Get('health')
  @Endpoint('GET /health')
  health() {
    return liveness();
  }

  @Get('health/ready')
  @Endpoint('GET /health/ready')
  async ready(@Res() reply: FastifyReply): Promise<void> {
    const report = await readiness(this.container);
    await reply
      .code(report.ready ? 200 : 503)
      .type(report.ready ? 'application/json; charset=utf-8' : PROBLEM_CONTENT_TYPE)
      .send(JSON.stringify(report.body));
  }

  @Get('metrics')
  @Endpoint('GET /metrics')
  async metrics(@Res() reply: FastifyReply): Promise<void> {
    const { registry } = this.container.metrics;
    await reply.type(registry.contentType).send(await registry.metrics());
  }
}
