import nodemailer, { type Mail } from 'nodemailer';
import type { Config } from '../config';
import type { Logger } from '../logger';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** `ada@example.com` -> `a***@example.com`: enough to follow a mail in the logs, not a list of addresses. */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  return at <= 0 ? '***' : `${address[0]}***${address.slice(at)}`;
}

/**
 * Sends mail through SMTP in the background. `send` returns at once and never throws:
 * a mail server that is down is logged and retried with exponential backoff, so an HTTP
 * request never waits for (or fails because of) the mail it triggers.
 */
export class Mailer {
  private readonly transport: Mail;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly config: Config['mail'],
    private readonly logger: Logger,
    /** Told each mail's outcome (the metrics count sent and dropped mails). */
    private readonly onDelivery: (result: 'sent' | 'dropped') => void = () => {},
  ) {
    this.transport = nodemailer.createTransport(
      { url: config.smtpUrl, connectionTimeout: 5000, greetingTimeout: 5000, socketTimeout: 10000 },
      { from: config.from },
    );
  }

  send(message: MailMessage): void {
    this.attempt(message, 1);
  }

  /** Mails waiting for a retry or being sent now. */
  get pending(): number {
    return this.inFlight.size + this.timers.size;
  }

  private attempt(message: MailMessage, attempt: number): void {
    if (this.closed) return;
    const sending = this.transport
      .sendMail(message)
      .then(() => {
        this.onDelivery('sent');
        this.logger.info({ to: maskAddress(message.to), subject: message.subject, attempt }, 'mail sent');
      })
      .catch((error: unknown) => this.failed(message, attempt, error))
      .finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
  }

  private failed(message: MailMessage, attempt: number, error: unknown): void {
    const context = { to: maskAddress(message.to), subject: message.subject, attempt, err: error };
    if (attempt >= this.config.maxAttempts || this.closed) {
      this.onDelivery('dropped');
      this.logger.error(context, `mail dropped after ${attempt} attempt(s); the user can ask for it again`);
      return;
    }
    const delayMs = this.config.retryBaseMs * 2 ** (attempt - 1);
    this.logger.warn({ ...context, retryInMs: delayMs }, 'mail not sent; retrying');
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.attempt(message, attempt + 1);
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  /** Resolves once nothing is being sent or waiting for a retry. */
  async idle(): Promise<void> {
    while (this.pending > 0) {
      await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((resolve) => setTimeout(resolve, 20))]);
    }
  }

  /** Waits up to `graceMs` for mails being sent; mails still waiting for a retry are logged as dropped. */
  async close(graceMs = 2000): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    if (this.timers.size > 0)
      this.logger.error({ count: this.timers.size }, 'shutting down with mails waiting for a retry; they are dropped');
    this.timers.clear();
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise<void>((resolve) => {
        timeout = setTimeout(resolve, graceMs);
      }),
    ]);
    clearTimeout(timeout);
    this.transport.close();
  }
}
