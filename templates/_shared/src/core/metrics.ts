import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The database pool as node-postgres counts it. */
export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

/**
 * Prometheus metrics: process defaults; requests by method, route and status (rate, errors and
 * duration: the RED metrics); the database pool; cache lookups; credential-limit refusals; and
 * the mail queue. What a dashboard and alerts need (deploy/prometheus/, deploy/grafana/).
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by method, route and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const counter = <L extends string>(name: string, help: string, label: L) =>
    new Counter<L>({ name, help, labelNames: [label], registers: [registry] });
  const cacheLookups = counter(
    'cache_lookups_total',
    'Cache reads, by result: hit, miss, or error (Redis away; the read went to PostgreSQL)',
    'result',
  );
  const rateLimited = counter('rate_limit_refusals_total', 'Credential calls refused by the rate limits, by operation', 'operation');
  const mails = counter(
    'mail_deliveries_total',
    'Mails handed to the SMTP server (sent) or given up after every retry (dropped)',
    'result',
  );
  // Every known series from zero, so a rate or an increase sees its first event (a counter that
  // appears at 1 has no increase).
  for (const result of ['hit', 'miss', 'error'] as const) cacheLookups.inc({ result }, 0);
  for (const result of ['sent', 'dropped'] as const) mails.inc({ result }, 0);
  let pool: () => PoolStats = () => ({ total: 0, idle: 0, waiting: 0 });
  let mailQueue: () => number = () => 0;
  new Gauge({
    name: 'db_pool_connections',
    help: 'Database connections of this process, by state: in_use, idle, and waiting (queries queued for one)',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const stats = pool();
      this.set({ state: 'in_use' }, stats.total - stats.idle);
      this.set({ state: 'idle' }, stats.idle);
      this.set({ state: 'waiting' }, stats.waiting);
    },
  });
  new Gauge({
    name: 'mail_queue_length',
    help: 'Mails being sent or waiting for a retry',
    registers: [registry],
    collect() {
      this.set(mailQueue());
    },
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
    cacheLookup(result: 'hit' | 'miss' | 'error') {
      cacheLookups.inc({ result });
    },
    rateLimited(operation: string) {
      rateLimited.inc({ operation });
    },
    mailDelivered(result: 'sent' | 'dropped') {
      mails.inc({ result });
    },
    /** Where the pool and mail-queue gauges read from, once those exist. */
    watch(sources: { pool?: () => PoolStats; mailQueue?: () => number }) {
      if (sources.pool) pool = sources.pool;
      if (sources.mailQueue) mailQueue = sources.mailQueue;
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
