import type { MailMessage } from './mailer';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

function duration(seconds: number): string {
  if (seconds % 86400 === 0) return seconds === 86400 ? '24 hours' : `${seconds / 86400} days`;
  if (seconds % 3600 === 0) return seconds === 3600 ? '1 hour' : `${seconds / 3600} hours`;
  return `${Math.max(1, Math.round(seconds / 60))} minutes`;
}

interface LinkMail {
  appName: string;
  to: string;
  name: string;
  link: string;
  expiresInSeconds: number;
}

function render(mail: LinkMail, subject: string, lead: string, action: string, closing: string): MailMessage {
  const valid = `The link works once and expires in ${duration(mail.expiresInSeconds)}.`;
  const text = [`Hello ${mail.name},`, '', lead, '', mail.link, '', valid, closing, '', `— ${mail.appName}`].join('\n');
  const html = [
    '<!doctype html>',
    '<html><body style="font-family: sans-serif; line-height: 1.5">',
    `<p>Hello ${escapeHtml(mail.name)},</p>`,
    `<p>${escapeHtml(lead)}</p>`,
    `<p><a href="${escapeHtml(mail.link)}">${escapeHtml(action)}</a></p>`,
    `<p>${escapeHtml(valid)} ${escapeHtml(closing)}</p>`,
    `<p>— ${escapeHtml(mail.appName)}</p>`,
    '</body></html>',
  ].join('\n');
  return { to: mail.to, subject, text, html };
}

export function verificationMail(mail: LinkMail): MailMessage {
  return render(
    mail,
    `Verify your email address for ${mail.appName}`,
    'Please confirm that this is your email address by opening this link:',
    'Verify my email address',
    'If you did not create an account, ignore this mail.',
  );
}

export function passwordResetMail(mail: LinkMail): MailMessage {
  return render(
    mail,
    `Reset your ${mail.appName} password`,
    'Someone (hopefully you) asked to reset your password. Choose a new one here:',
    'Choose a new password',
    'If you did not ask for this, ignore this mail; your password stays as it is.',
  );
}
