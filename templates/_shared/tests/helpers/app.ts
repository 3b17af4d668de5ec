import supertest from 'supertest';
import { createHttpApp } from '../../src/app';
import { loadConfig } from '../../src/core/config';
import { createContainer, type Container } from '../../src/core/container';
import { createLogger } from '../../src/core/logger';

export type Agent = ReturnType<typeof supertest>;

export interface TestApp {
  api: Agent;
  container: Container;
  close(): Promise<void>;
}

/** The real app (same middleware, hooks and error handler as production), on an ephemeral port. */
export async function startApp(env: NodeJS.ProcessEnv = {}): Promise<TestApp> {
  const config = loadConfig({ ...process.env, ...env });
  const container = createContainer(config, createLogger(config));
  await container.connect();
  const app = await createHttpApp(container);
  return { api: supertest(app.server), container, close: () => app.close() };
}
