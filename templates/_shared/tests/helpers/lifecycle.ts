import { startApp, type TestApp } from './app';
import { resetDatabase } from './db';

/**
 * Starts the app for the enclosing describe block (with `env` over the test environment) and
 * empties the database before each test.
 */
export function useApp(env: NodeJS.ProcessEnv = {}): () => TestApp {
  let app: TestApp | undefined;
  const current = () => {
    if (!app) throw new Error('the app is not started yet: call useApp() at describe level');
    return app;
  };
  beforeAll(async () => {
    app = await startApp(env);
  });
  beforeEach(async () => {
    await resetDatabase(current());
  });
  afterAll(async () => {
    await app?.close();
  });
  return current;
}
