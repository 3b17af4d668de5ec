// First: tracing (when configured) patches the HTTP server and the database clients before anything loads them.
import { tracing } from './tracing';
import { setTimeout as delay } from 'node:timers/promises';
import { createHttpApp } from './app';
import { bootContainer, failedToStart, onShutdownSignal } from './boot';
import { SHUTDOWN_DRAIN_MS } from './http/common';

async function main(): Promise<void> {
  const container = await bootContainer();
  const { config, logger } = container;
  const app = await createHttpApp(container);
  onShutdownSignal(container, () => {
    // Keep serving for a moment (as a pre-stop hook would), then close.
    delay(SHUTDOWN_DRAIN_MS)
      .then(() => app.close())
      .then(() => tracing.shutdown())
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
  });
  await app.listen(config.host, config.port);
}

main().catch(failedToStart);
