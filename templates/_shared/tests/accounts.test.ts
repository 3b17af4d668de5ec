import { startApp, type TestApp } from './helpers/app';
import { resetDatabase } from './helpers/db';
import { buildPost, buildUser, signUp, signUpAdmin } from './helpers/factories';
import { useApp } from './helpers/lifecycle';
import { Mailbox } from './helpers/mailbox';
import { maskAddress } from '../src/core/mail/mailer';
import { verificationMail } from '../src/core/mail/templates';

const API = '{{ api_prefix }}';
const VERIFY = /verify your email/i;
const RESET = /reset your/i;

/** Registers through the API and returns the account with its verification mail. */
async function registerWithMail(app: TestApp, overrides: Parameters<typeof buildUser>[0] = {}) {
  const user = buildUser(overrides);
  const response = await app.api.post(`${API}/auth/register`).send(user).expect(201);
  const mail = await app.mailbox.waitFor(user.email, VERIFY);
  return { ...user, body: response.body, mail, token: Mailbox.token(mail) };
}

function bearer(token: string) {
  return { authorization: `Bearer ${token}` };
}

describe('email verification', () => {
  const app = useApp({ UNVERIFIED_USER_ACCESS: 'read' });

  it('mails a link at registration, in plain text and HTML; following it verifies the address', async () => {
    const account = await registerWithMail(app());
    expect(account.body.user.emailVerified).toBe(false);
    expect(account.mail.link).toMatch(new RegExp(`${API}/auth/verify-email\\?token=[\\w-]{43}$`));
    expect(account.mail.source).toContain('text/plain');
    expect(account.mail.source).toContain(`<a href="${account.mail.link}">`);

    // Opening the link (a GET, which mail scanners prefetch) only checks it; the page it leads to POSTs.
    const link = new URL(account.mail.link);
    const opened = await app().api.get(`${link.pathname}${link.search}`).expect(200);
    expect(opened.body).toEqual({ valid: true, expiresAt: expect.any(String) });
    const still = await app().api.get(`${API}/auth/me`).set(bearer(account.body.tokens.accessToken)).expect(200);
    expect(still.body.emailVerified).toBe(false);
    const verified = await app().api.post(`${API}/auth/verify-email`).send({ token: account.token }).expect(200);
    expect(verified.body).toMatchObject({ email: account.email, emailVerified: true });
    const me = await app().api.get(`${API}/auth/me`).set(bearer(account.body.tokens.accessToken)).expect(200);
    expect(me.body.emailVerified).toBe(true);
  });

  it('lets an unverified user read but not write, says why, and opens writing once verified', async () => {
    const account = await registerWithMail(app());
    const headers = bearer(account.body.tokens.accessToken);
    await app().api.get(`${API}/posts`).set(headers).expect(200);
    const refused = await app().api.post(`${API}/posts`).set(headers).send(buildPost()).expect(403);
    expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(refused.body.code).toBe('email_not_verified');
    expect(refused.body.detail).toContain(`${API}/auth/verify-email/resend`);

    await app().api.post(`${API}/auth/verify-email`).send({ token: account.token }).expect(200);
    await app().api.post(`${API}/posts`).set(headers).send(buildPost()).expect(201);
  });

  it('uses a link once', async () => {
    const account = await registerWithMail(app());
    await app().api.post(`${API}/auth/verify-email`).send({ token: account.token }).expect(200);
    const replay = await app().api.post(`${API}/auth/verify-email`).send({ token: account.token }).expect(400);
    expect(replay.body.code).toBe('token_used');
  });

  it('refuses an expired or forged link with problem+json', async () => {
    const account = await registerWithMail(app());
    await app().container.db.userToken.updateMany({ data: { expiresAt: new Date(Date.now() - 1000) } });
    const expired = await app().api.post(`${API}/auth/verify-email`).send({ token: account.token }).expect(400);
    expect(expired.body.code).toBe('token_expired');
    const forged = await app()
      .api.get(`${API}/auth/verify-email`)
      .query({ token: 'x'.repeat(43) })
      .expect(400);
    expect(forged.body.code).toBe('token_invalid');
    expect(forged.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it('resends a new link that retires the old one, with the same answer for unknown addresses', async () => {
    const account = await registerWithMail(app());
    const known = await app().api.post(`${API}/auth/verify-email/resend`).send({ email: account.email }).expect(202);
    const unknown = await app().api.post(`${API}/auth/verify-email/resend`).send({ email: 'nobody@example.com' }).expect(202);
    expect(unknown.body).toEqual(known.body);
    const second = Mailbox.token(await app().mailbox.waitFor(account.email, VERIFY));
    expect(second).not.toBe(account.token);
    expect((await app().api.post(`${API}/auth/verify-email`).send({ token: account.token }).expect(400)).body.code).toBe('token_used');
    await app().api.post(`${API}/auth/verify-email`).send({ token: second }).expect(200);

    await app().container.auth.settle();
    await app().container.mailer.idle();
    expect(app().mailbox.received.filter((mail) => mail.to.includes('nobody@example.com'))).toEqual([]);
  });
});

describe('unverified users when UNVERIFIED_USER_ACCESS=none', () => {
  const app = useApp({ UNVERIFIED_USER_ACCESS: 'none' });

  it('starts no session at registration, and refuses login until the address is verified', async () => {
    const account = await registerWithMail(app());
    expect(account.body.tokens).toBeUndefined();
    const refused = await app().api.post(`${API}/auth/login`).send({ email: account.email, password: account.password }).expect(403);
    expect(refused.body.code).toBe('email_not_verified');
    await app().api.post(`${API}/auth/verify-email`).send({ token: account.token }).expect(200);
    await app().api.post(`${API}/auth/login`).send({ email: account.email, password: account.password }).expect(200);
  });
});

describe('mail cooldown', () => {
  const app = useApp({ MAIL_RESEND_COOLDOWN_SECONDS: '60' });

  it('sends at most one link per address and purpose per cooldown', async () => {
    const account = await registerWithMail(app());
    await app().api.post(`${API}/auth/verify-email/resend`).send({ email: account.email }).expect(202);
    await app().container.auth.settle();
    await app().container.mailer.idle();
    expect(app().mailbox.received.filter((mail) => mail.to.includes(account.email))).toEqual([]);
  });
});

describe('password reset', () => {
  const app = useApp();

  async function requestReset(email: string) {
    await app().api.post(`${API}/auth/forgot-password`).send({ email }).expect(202);
    return Mailbox.token(await app().mailbox.waitFor(email, RESET));
  }

  it('resets with the mailed link: the old password and every old session stop working', async () => {
    const member = await signUp(app().api);
    const token = await requestReset(member.email);
    const check = await app().api.get(`${API}/auth/reset-password`).query({ token }).expect(200);
    expect(check.body).toEqual({ valid: true, expiresAt: expect.any(String) });

    await app().api.post(`${API}/auth/reset-password`).send({ token, password: 'Brand-new-pass9' }).expect(204);
    await app().api.post(`${API}/auth/login`).send({ email: member.email, password: member.password }).expect(401);
    expect((await app().api.get(`${API}/auth/me`).set(member.headers).expect(401)).body.code).toBe('session_revoked');
    await app().api.post(`${API}/auth/refresh`).send({ refreshToken: member.refreshToken }).expect(401);
    const login = await app().api.post(`${API}/auth/login`).send({ email: member.email, password: 'Brand-new-pass9' }).expect(200);
    const me = await app().api.get(`${API}/auth/me`).set(bearer(login.body.accessToken)).expect(200);
    expect(me.body.emailVerified).toBe(true);
  });

  it('answers the same for an unknown address and mails nothing', async () => {
    const member = await signUp(app().api);
    const known = await app().api.post(`${API}/auth/forgot-password`).send({ email: member.email }).expect(202);
    const unknown = await app().api.post(`${API}/auth/forgot-password`).send({ email: 'ghost@example.com' }).expect(202);
    expect(unknown.body).toEqual(known.body);
    await app().container.auth.settle();
    await app().container.mailer.idle();
    expect(app().mailbox.received.some((mail) => mail.to.includes('ghost@example.com'))).toBe(false);
  });

  it('checks the new password with the registration policy, and keeps the link usable after a refusal', async () => {
    const member = await signUp(app().api);
    const token = await requestReset(member.email);
    const weak = await app().api.post(`${API}/auth/reset-password`).send({ token, password: 'short' }).expect(400);
    expect(weak.body.errors.map((e: { field: string }) => e.field)).toContain('password');
    await app().api.post(`${API}/auth/reset-password`).send({ token, password: 'Brand-new-pass9' }).expect(204);
  });

  it('refuses a replayed, expired or wrong-purpose token', async () => {
    const member = await signUp(app().api);
    const token = await requestReset(member.email);
    await app().api.post(`${API}/auth/reset-password`).send({ token, password: 'Brand-new-pass9' }).expect(204);
    const replay = await app().api.post(`${API}/auth/reset-password`).send({ token, password: 'Other-pass9' }).expect(400);
    expect(replay.body.code).toBe('token_used');

    const fresh = await requestReset(member.email);
    await app().container.db.userToken.updateMany({ where: { usedAt: null }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await app().api.get(`${API}/auth/reset-password`).query({ token: fresh }).expect(400)).body.code).toBe('token_expired');

    const verification = Mailbox.token(await app().mailbox.waitFor(member.email, VERIFY));
    const wrong = await app().api.post(`${API}/auth/reset-password`).send({ token: verification, password: 'Other-pass9' }).expect(400);
    expect(wrong.body.code).toBe('token_invalid');
  });
});

describe('mail delivery', () => {
  it('answers while the mail server is down, and delivers the mail once it is back', async () => {
    const app = await startApp({ MAIL_RETRY_BASE_MS: '100' });
    try {
      await resetDatabase(app);
      app.mailbox.refusing = true;
      const user = buildUser();
      const started = Date.now();
      await app.api.post(`${API}/auth/register`).send(user).expect(201);
      expect(Date.now() - started).toBeLessThan(2000);
      await app.mailbox.waitForRefusal();
      app.mailbox.refusing = false;
      const mail = await app.mailbox.waitFor(user.email, VERIFY, 10000);
      expect(Mailbox.token(mail)).toMatch(/^[\w-]{43}$/);
    } finally {
      await app.close();
    }
  });

  it('masks addresses in logs and escapes names in HTML mail', () => {
    expect(maskAddress('ada@example.com')).toBe('a***@example.com');
    const mail = verificationMail({
      appName: 'App',
      to: 'a@b.c',
      name: '<script>x</script>',
      link: 'https://x/y?token=t',
      expiresInSeconds: 86400,
    });
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&lt;script&gt;');
    expect(mail.text).toContain('expires in 24 hours');
  });
});

describe('roles', () => {
  const app = useApp();

  it('serves the admin route to admins only: 401 anonymous, 403 users', async () => {
    const user = await signUp(app().api);
    const boss = await signUpAdmin(app());
    await app().api.get(`${API}/admin/users`).expect(401);
    const refused = await app().api.get(`${API}/admin/users`).set(user.headers).expect(403);
    expect(refused.body.code).toBe('admin_only');
    const listed = await app().api.get(`${API}/admin/users`).set(boss.headers).expect(200);
    expect(listed.body.data.map((u: { id: string }) => u.id).sort()).toEqual([user.id, boss.id].sort());
    expect(listed.body.data.find((u: { id: string }) => u.id === boss.id).role).toBe('admin');
  });

  it('lets an admin change another account’s role, effective on its next request, but not their own', async () => {
    const user = await signUp(app().api);
    const boss = await signUpAdmin(app());
    const promoted = await app().api.patch(`${API}/admin/users/${user.id}`).set(boss.headers).send({ role: 'admin' }).expect(200);
    expect(promoted.body.role).toBe('admin');
    await app().api.get(`${API}/admin/users`).set(user.headers).expect(200);
    const own = await app().api.patch(`${API}/admin/users/${boss.id}`).set(boss.headers).send({ role: 'user' }).expect(403);
    expect(own.body.code).toBe('own_role');
    const bad = await app().api.patch(`${API}/admin/users/${user.id}`).set(boss.headers).send({ role: 'root' }).expect(400);
    expect(bad.body.errors[0].field).toBe('role');
  });
});
