import pino, { type Logger } from 'pino';
import type { Config } from './config';

export type { Logger };

/** One pino logger for the process; the HTTP layer derives child loggers with the request id. */
export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({
    level: config.logLevel,
    base: { service: '{{ project_slug }}' },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.refreshToken', '*.accessToken'],
      censor: '[redacted]',
    },
  });
}
