import { ConfigError, loadConfig } from './core/config';
import { type Container, createContainer } from './core/container';
import { createLogger } from './core/logger';
{%- if auth %}

/** How often ended sessions and spent mailed tokens are deleted (and once at boot). */
const PRUNE_EVERY_MS = 3600 * 1000;
{%- endif %}

/*
 * What src/server.ts needs around the app, whatever the stack: a checked configuration, the
 * container, the shutdown signals and the grace period.
 */

/** The configuration (a bad one exits 1, naming every problem), the logger and the connections. */
export async function bootContainer(): Promise<Container> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const container = createContainer(config, createLogger(config));
  await container.connect();
{%- if auth %}
  const prune = () => container.auth.prune().catch((error: unknown) => container.logger.warn({ err: error }, 'pruning postponed'));
  void prune();
  setInterval(prune, PRUNE_EVERY_MS).unref();
{%- endif %}
  return container;
}

/**
 * Calls `begin` on the first SIGTERM or SIGINT and exits 1 if the process outlives the grace
 * period. The listener stays for the whole shutdown, so a second signal is ignored instead of
 * killing the process with requests still in flight.
 */
export function onShutdownSignal(container: Container, begin: (signal: string) => void = () => undefined): void {
  const { config, logger } = container;
  let closing = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (closing) return;
      closing = true;
      logger.info({ signal }, 'shutting down: finishing in-flight requests');
      const timer = setTimeout(() => {
        logger.error({ graceMs: config.shutdownGraceMs }, 'grace period over; exiting with requests still open');
        process.exit(1);
      }, config.shutdownGraceMs);
      timer.unref();
      begin(signal);
    });
  }
}

/** The last word of a process that could not start. */
export function failedToStart(error: unknown): never {
  process.stderr.write(`Failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
}
