import type { Container } from '../../core/container';
import { PROBLEM_CONTENT_TYPE } from '../../core/errors';
import { liveness, readiness } from '../common';
import { endpoint, operation, type Operation, RawReply } from '../operation';

/** Liveness, readiness and metrics, served at the root (outside the API prefix). */
export function healthOperations(container: Container): Operation[] {
  return [
    operation({
      ...endpoint('GET /health'),
      tags: ['health'],
      handle: async () => liveness(),
    }),
    operation({
      ...endpoint('GET /health/ready'),
      tags: ['health'],
      handle: async () => {
        const report = await readiness(container);
        return report.ready ? report.body : new RawReply(503, report.body, PROBLEM_CONTENT_TYPE);
      },
    }),
    operation({
      ...endpoint('GET /metrics'),
      tags: ['health'],
      handle: async () => new RawReply(200, await container.metrics.registry.metrics(), container.metrics.registry.contentType),
    }),
  ];
}
