import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  subject: string;
  /** The whole message with quoted-printable soft breaks and escapes undone. */
  source: string;
  /** The first link in the message (the plain-text part comes first). */
  link: string;
}

function decodeQuotedPrintable(raw: string): string {
  const joined = raw.replace(/=\r?\n/g, '');
  return Buffer.from(
    joined.replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    'latin1',
  ).toString('utf8');
}

/** A real SMTP server on loopback that keeps what it receives, for tests that follow mailed links. */
export class Mailbox {
  readonly received: ReceivedMail[] = [];
  /**
   * While true, every connection is answered `421 Service not available` and closed, as by a mail
   * server that is down; the port stays this server's, so it can come back at the same address.
   */
  refusing = false;
  /** Connections answered 421 so far. */
  refusals = 0;
  private waiters: Array<() => void> = [];

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
  ) {}

  static async start(): Promise<Mailbox> {
    const box: { current?: Mailbox } = {};
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onConnect(_session, callback) {
        if (!box.current?.refusing) return callback();
        box.current.refusals += 1;
        box.current.wake();
        callback(Object.assign(new Error('Service not available'), { responseCode: 421 }));
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const source = decodeQuotedPrintable(Buffer.concat(chunks).toString('latin1'));
          box.current?.deliver({
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            subject: /^Subject: (.*)$/m.exec(source)?.[1]?.trim() ?? '',
            source,
            link: /https?:\/\/[^\s"<>]+/.exec(source)?.[0] ?? '',
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    box.current = new Mailbox(server, (server.server.address() as AddressInfo).port);
    return box.current;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** The next mail to `to` whose subject matches, waiting for it up to `timeoutMs`. */
  async waitFor(to: string, subject: RegExp, timeoutMs = 5000): Promise<ReceivedMail> {
    let index = -1;
    await this.until(
      () => {
        index = this.received.findIndex((mail) => mail.to.includes(to) && subject.test(mail.subject));
        return index >= 0;
      },
      timeoutMs,
      `no mail to ${to} matching ${subject}`,
    );
    return this.received.splice(index, 1)[0] as ReceivedMail;
  }

  /** Waits until a connection has been refused while `refusing`. */
  async waitForRefusal(timeoutMs = 5000): Promise<void> {
    await this.until(() => this.refusals > 0, timeoutMs, 'no connection refused');
  }

  /** The token of a mailed link. */
  static token(mail: ReceivedMail): string {
    return new URL(mail.link).searchParams.get('token') ?? '';
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Resolves once `done()` holds, checking it whenever the mailbox changes and at least every 100 ms. */
  private async until(done: () => boolean, timeoutMs: number, failure: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${failure} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 100));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private deliver(mail: ReceivedMail): void {
    this.received.push(mail);
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
