import { startApp } from './helpers/app';
import { useApp } from './helpers/lifecycle';
import { buildUser, signUp } from './helpers/factories';

const API = '{{ api_prefix }}';

describe('authentication', () => {
  const app = useApp();

  describe('POST /auth/register', () => {
    it('creates the account, never returns the password hash, and logs the user in', async () => {
      const user = buildUser();
      const response = await app().api.post(`${API}/auth/register`).send(user).expect(201);
      expect(response.body.user).toEqual({
        id: expect.any(String),
        email: user.email,
        name: user.name,
        role: 'user',
        emailVerified: false,
        createdAt: expect.any(String),
      });
      expect(JSON.stringify(response.body)).not.toContain('passwordHash');
      expect(response.body.tokens).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, refreshExpiresIn: 604800 });
    });

    it('refuses a taken email with 409', async () => {
      const user = buildUser();
      await app().api.post(`${API}/auth/register`).send(user).expect(201);
      const response = await app()
        .api.post(`${API}/auth/register`)
        .send({ ...user, email: user.email.toUpperCase() })
        .expect(409);
      expect(response.body.code).toBe('email_taken');
    });

    it('names every bad field of a weak registration', async () => {
      const response = await app().api.post(`${API}/auth/register`).send({ email: 'nope', password: 'short', name: '' }).expect(400);
      const fields = response.body.errors.map((e: { field: string }) => e.field);
      expect(fields).toEqual(expect.arrayContaining(['email', 'password', 'name']));
    });
  });

  describe('POST /auth/login', () => {
    it('returns tokens for the right password', async () => {
      const member = await signUp(app().api);
      const response = await app().api.post(`${API}/auth/login`).send({ email: member.email, password: member.password }).expect(200);
      expect(response.body.accessToken).toEqual(expect.any(String));
    });

    it('gives the same answer for a wrong password and an unknown email', async () => {
      const member = await signUp(app().api);
      const wrong = await app().api.post(`${API}/auth/login`).send({ email: member.email, password: 'Wrong-pass1' }).expect(401);
      const unknown = await app().api.post(`${API}/auth/login`).send({ email: 'ghost@example.com', password: 'Wrong-pass1' }).expect(401);
      expect(wrong.body.detail).toBe(unknown.body.detail);
      expect(wrong.body.code).toBe('invalid_credentials');
    });
  });

  describe('GET /auth/me', () => {
    it('returns the user behind the token', async () => {
      const member = await signUp(app().api);
      const response = await app().api.get(`${API}/auth/me`).set(member.headers).expect(200);
      expect(response.body.id).toBe(member.id);
    });

    it('refuses a missing, malformed or forged token with 401', async () => {
      await app().api.get(`${API}/auth/me`).expect(401);
      expect((await app().api.get(`${API}/auth/me`).set('authorization', 'Token abc')).body.code).toBe('invalid_authorization_header');
      const forged = await app().api.get(`${API}/auth/me`).set('authorization', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.').expect(401);
      expect(forged.body.code).toBe('invalid_token');
    });
  });

  describe('POST /auth/refresh', () => {
    it('rotates the refresh token', async () => {
      const member = await signUp(app().api);
      const response = await app().api.post(`${API}/auth/refresh`).send({ refreshToken: member.refreshToken }).expect(200);
      expect(response.body.refreshToken).not.toBe(member.refreshToken);
      await app().api.get(`${API}/auth/me`).set('authorization', `Bearer ${response.body.accessToken}`).expect(200);
    });

    it('revokes the whole session when a rotated token is replayed', async () => {
      const member = await signUp(app().api);
      const rotated = await app().api.post(`${API}/auth/refresh`).send({ refreshToken: member.refreshToken }).expect(200);
      const replay = await app().api.post(`${API}/auth/refresh`).send({ refreshToken: member.refreshToken }).expect(401);
      expect(replay.body.code).toBe('refresh_token_reused');
      await app().api.post(`${API}/auth/refresh`).send({ refreshToken: rotated.body.refreshToken }).expect(401);
      await app().api.get(`${API}/auth/me`).set('authorization', `Bearer ${rotated.body.accessToken}`).expect(401);
    });

    it('ends with its session: a session past its lifetime refreshes to nothing, and a new token never outlives it', async () => {
      const member = await signUp(app().api);
      await app().container.db.$executeRaw`UPDATE sessions SET expires_at = now() + interval '1 hour'`;
      const rotated = await app().api.post(`${API}/auth/refresh`).send({ refreshToken: member.refreshToken }).expect(200);
      expect(rotated.body.refreshExpiresIn).toBe(3600);
      await app().container.db.$executeRaw`UPDATE sessions SET expires_at = now() - interval '1 second'`;
      const ended = await app().api.post(`${API}/auth/refresh`).send({ refreshToken: rotated.body.refreshToken }).expect(401);
      expect(ended.body.code).toBe('session_expired');
    });

    it('refuses an unknown refresh token', async () => {
      const response = await app().api.post(`${API}/auth/refresh`).send({ refreshToken: 'made-up' }).expect(401);
      expect(response.body.code).toBe('invalid_refresh_token');
    });
  });

  it('prunes sessions and mailed tokens that ended more than a day ago, and nothing newer', async () => {
    const ended = await signUp(app().api);
    const current = await signUp(app().api);
    await app().container.settle();
    const { db } = app().container;
    await db.$executeRaw`UPDATE sessions SET expires_at = now() - interval '25 hours' WHERE user_id = ${ended.id}::uuid`;
    await db.$executeRaw`UPDATE user_tokens SET expires_at = now() - interval '25 hours' WHERE user_id = ${ended.id}::uuid`;
    expect(await app().container.auth.prune()).toEqual({ sessions: 1, mailTokens: 1 });
    expect(await db.session.count({ where: { userId: current.id } })).toBe(1);
    expect(await db.refreshToken.count()).toBe(1);
    expect(await db.userToken.count({ where: { userId: current.id } })).toBe(1);
    await app().api.post(`${API}/auth/refresh`).send({ refreshToken: ended.refreshToken }).expect(401);
  });

  describe('passwords', () => {
    it('take length, not composition, and never one of the most common passwords', async () => {
      const common = await app()
        .api.post(`${API}/auth/register`)
        .send(buildUser({ password: 'Password1' }))
        .expect(400);
      expect(common.body.errors).toEqual([{ field: 'password', message: expect.stringContaining('most common passwords') }]);
      // Letters and spaces only: long enough, and not on the list.
      await app()
        .api.post(`${API}/auth/register`)
        .send(buildUser({ password: 'correct horse battery staple' }))
        .expect(201);
    });

    it('change with the current one; every other session ends, the one that asked goes on', async () => {
      const member = await signUp(app().api);
      const other = await app().api.post(`${API}/auth/login`).send({ email: member.email, password: member.password }).expect(200);
      const wrong = await app()
        .api.post(`${API}/auth/change-password`)
        .set(member.headers)
        .send({ currentPassword: 'Not-the-password-1', newPassword: 'a brand new passphrase' })
        .expect(400);
      expect(wrong.body.errors).toEqual([{ field: 'currentPassword', message: 'is not the current password' }]);
      await app()
        .api.post(`${API}/auth/change-password`)
        .set(member.headers)
        .send({ currentPassword: member.password, newPassword: 'a brand new passphrase' })
        .expect(204);
      await app().api.get(`${API}/auth/me`).set(member.headers).expect(200);
      const ended = await app().api.get(`${API}/auth/me`).set('authorization', `Bearer ${other.body.accessToken}`).expect(401);
      expect(ended.body.code).toBe('session_revoked');
      await app().api.post(`${API}/auth/login`).send({ email: member.email, password: member.password }).expect(401);
      await app().api.post(`${API}/auth/login`).send({ email: member.email, password: 'a brand new passphrase' }).expect(200);
    });
  });

  describe('POST /auth/logout', () => {
    it('ends the session: the access and refresh tokens stop working at once', async () => {
      const member = await signUp(app().api);
      await app().api.post(`${API}/auth/logout`).set(member.headers).expect(204);
      const after = await app().api.get(`${API}/auth/me`).set(member.headers).expect(401);
      expect(after.body.code).toBe('session_revoked');
      await app().api.post(`${API}/auth/refresh`).send({ refreshToken: member.refreshToken }).expect(401);
    });
  });

  it('limits repeated auth requests with 429 problem+json', async () => {
    // Behind a trusted proxy the client address comes from X-Forwarded-For: a fresh one gets a fresh budget.
    const limited = await startApp({ AUTH_RATE_LIMIT_MAX: '3', TRUST_PROXY: '1' });
    const client = `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i += 1) {
        const response = await limited.api
          .post(`${API}/auth/refresh`)
          .set('x-forwarded-for', client)
          .send({ refreshToken: `nope-${i}` });
        statuses.push(response.status);
      }
      expect(statuses).toEqual([401, 401, 401, 429]);
      const blocked = await limited.api.post(`${API}/auth/refresh`).set('x-forwarded-for', client).send({ refreshToken: 'nope' });
      expect(blocked.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(blocked.body.code).toBe('rate_limited');
      // Another client is not affected.
      const other = await limited.api.post(`${API}/auth/refresh`).set('x-forwarded-for', '192.0.2.77').send({ refreshToken: 'nope' });
      expect(other.status).toBe(401);
    } finally {
      await limited.close();
    }
  });

  it('does not let a client buy a fresh budget with a forged X-Forwarded-For when no proxy is trusted', async () => {
    const limited = await startApp({ AUTH_RATE_LIMIT_MAX: '3', TRUST_PROXY: 'false' });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i += 1) {
        const forged = `203.0.113.${Math.floor(Math.random() * 250) + 1}`;
        const response = await limited.api
          .post(`${API}/auth/refresh`)
          .set('x-forwarded-for', forged)
          .send({ refreshToken: `nope-${i}` });
        statuses.push(response.status);
      }
      expect(statuses).toContain(429);
    } finally {
      await limited.close();
    }
  });
});
