import { Writable } from 'node:stream';
import pino from 'pino';
import { serializers } from '../src/core/logger';

function capture(): { lines: () => Array<Record<string, unknown>>; logger: pino.Logger } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ serializers }, stream), lines: () => chunks.map((chunk) => JSON.parse(chunk)) };
}

describe('logger', () => {
  it('never writes passwords, tokens or credentials headers', () => {
    const { logger, lines } = capture();
    logger.info({ password: 'hunter2', refreshToken: 'r', accessToken: 'a', token: 't', email: 'a@b.c' }, 'top level');
    logger.info(
      { body: { email: 'a@b.c', password: 'hunter2' }, headers: { authorization: 'Bearer x', cookie: 'c', accept: '*/*' } },
      'nested',
    );
    const [top, nested] = lines();
    expect(JSON.stringify(lines())).not.toMatch(/hunter2|Bearer x/);
    expect(top).toMatchObject({ password: '[redacted]', token: '[redacted]', email: 'a@b.c' });
    expect(nested).toMatchObject({
      body: { email: 'a@b.c', password: '[redacted]' },
      headers: { authorization: '[redacted]', accept: '*/*' },
    });
  });

  it('keeps errors readable', () => {
    const { logger, lines } = capture();
    logger.error({ err: new Error('boom') }, 'failed');
    expect(lines()[0]).toMatchObject({ err: { type: 'Error', message: 'boom' } });
  });
});
