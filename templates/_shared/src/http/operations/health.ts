import type { Container } from '../../core/container';
import { PROBLEM_CONTENT_TYPE } from '../../core/errors';
import { liveness, LivenessSchema, NotReadySchema, readiness, ReadySchema } from '../common';
import { operation, type Operation, RawReply } from '../operation';

/** Liveness, readiness and metrics, served at the root (outside the API prefix). */
export function healthOperations(container: Container): Operation[] {
  return [
    operation({
      method: 'get',
      path: '/health',
      root: true,
      tags: ['health'],
      summary: 'Liveness: the process is up',
      access: 'public',
      status: 200,
      responses: { 200: LivenessSchema },
      handle: async () => liveness(),
    }),
    operation({
      method: 'get',
      path: '/health/ready',
      root: true,
      tags: ['health'],
      summary: 'Readiness: PostgreSQL{% if cache %} and Redis{% endif %} answer',
      access: 'public',
      status: 200,
      responses: {
        200: ReadySchema,
        503: NotReadySchema,
      },
      handle: async () => {
        const report = await readiness(container);
        return report.ready ? report.body : new RawReply(503, report.body, PROBLEM_CONTENT_TYPE);
      },
    }),
    operation({
      method: 'get',
      path: '/metrics',
      root: true,
      tags: ['health'],
      summary: 'Prometheus metrics',
      access: 'public',
      status: 200,
      responses: {},
      handle: async () => new RawReply(200, await container.metrics.registry.metrics(), container.metrics.registry.contentType),
    }),
  ];
}
