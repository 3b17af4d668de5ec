import supertest from 'supertest';
import { createHttpApp } from '../../src/app';
import { loadConfig } from '../../src/core/config';
import { createContainer, type Container } from '../../src/core/container';
import { createLogger } from '../../src/core/logger';
{%- if auth %}
import { Mailbox } from './mailbox';
{%- endif %}

export type Agent = ReturnType<typeof supertest>;

export interface TestApp {
  api: Agent;
  container: Container;
{%- if auth %}
  /** The SMTP server the app mails to (a real one on loopback). */
  mailbox: Mailbox;
{%- endif %}
  close(): Promise<void>;
}

/** The real app (same middleware, hooks and error handler as production), on an ephemeral port. */
export async function startApp(env: NodeJS.ProcessEnv = {}): Promise<TestApp> {
{%- if auth %}
  const mailbox = await Mailbox.start();
  const config = loadConfig({ ...process.env, SMTP_URL: mailbox.url, ...env });
{%- else %}
  const config = loadConfig({ ...process.env, ...env });
{%- endif %}
  const container = createContainer(config, createLogger(config));
  await container.connect();
  const app = await createHttpApp(container);
  return {
    api: supertest(app.server),
    container,
{%- if auth %}
    mailbox,
    close: async () => {
      await app.close();
      await mailbox.close();
    },
{%- else %}
    close: () => app.close(),
{%- endif %}
  };
}
