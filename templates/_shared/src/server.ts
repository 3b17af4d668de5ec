import { setTimeout as delay } from 'node:timers/promises';
import { createHttpApp } from './app';
import { ConfigError, loadConfig } from './core/config';
import { createContainer } from './core/container';
import { createLogger } from './core/logger';
import { SHUTDOWN_DRAIN_MS } from './http/common';

async function main(): Promise<void> {
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
  const logger = createLogger(config);
  const container = createContainer(config, logger);
  await container.connect();
  const app = await createHttpApp(container);

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    const timer = setTimeout(() => {
      logger.error({ graceMs: config.shutdownGraceMs }, 'grace period over; exiting with requests still open');
      process.exit(1);
    }, config.shutdownGraceMs);
    timer.unref();
    // Keep serving for a moment (as a pre-stop hook would), then close.
    delay(SHUTDOWN_DRAIN_MS)
      .then(() => app.close())
      .then(
        () => {
          logger.info('closed cleanly');
          process.exit(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'error while closing');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  await app.listen(config.host, config.port);
}

main().catch((error: unknown) => {
  process.stderr.write(`Failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
