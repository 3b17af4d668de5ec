import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** Prometheus metrics: process defaults plus one request-duration histogram. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by method, route and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  // One child per label set, looked up by a plain string: prom-client would hash the labels object on every call.
  const series = new Map<string, { observe(seconds: number): void }>();
  return {
    registry,
    observe(method: string, route: string, statusCode: number, seconds: number) {
      const key = `${method} ${statusCode} ${route}`;
      let child = series.get(key);
      if (!child) {
        child = httpDuration.labels(method, route, String(statusCode));
        series.set(key, child);
      }
      child.observe(seconds);
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
