import { hashPassword, verifyPassword } from '../../auth/passwords';
import type { RateLimiter } from '../../auth/rate-limit';
import { AccessTokens, hashToken, newOpaqueToken, type AccessClaims } from '../../auth/tokens';
import type { Config } from '../../config';
import { BadRequestError, ForbiddenError, UnauthorizedError, ValidationError } from '../../errors';
import type { Logger } from '../../logger';
import { type Mailer, maskAddress } from '../../mail/mailer';
import { passwordResetMail, verificationMail } from '../../mail/templates';
import { securityEvent } from '../../request-context';
import type { UsersRepository } from '../users/users.repository';
import type { Role, User } from '../users/users.schema';
import type { Accepted, LoginInput, RegisterInput, TokenPair } from './auth.schema';
import type { SessionsRepository } from './sessions.repository';
import type { TokenProblem, TokenPurpose, UserTokensRepository } from './user-tokens.repository';

const INVALID_CREDENTIALS = 'The email or password is wrong.';
/** How long an ended session or a spent mailed token is kept (so a replay is named as one) before pruning. */
export const PRUNE_AFTER_MS = 24 * 3600 * 1000;
// Where a refused caller gets a new link.
{%- if api_type == 'graphql' %}
const RESEND_AT = 'with the resendVerification mutation';
const FORGOT_AT = 'with the forgotPassword mutation';
{%- else %}
const RESEND_AT = 'at POST {{ api_prefix }}/auth/verify-email/resend';
const FORGOT_AT = 'at POST {{ api_prefix }}/auth/forgot-password';
{%- endif %}

/** A caller with a valid access token and an open session. */
export interface Principal extends AccessClaims {
  role: Role;
  emailVerified: boolean;
}

/** What an operation asks of its caller: any logged-in user, a user with a verified email, or an administrator. */
export type Requirement = 'user' | 'verified' | 'admin';

const TOKEN_PROBLEMS: Record<TokenProblem, [code: string, message: string]> = {
  invalid: ['token_invalid', 'This link is not valid (mistyped or incomplete); ask for a new one.'],
  used: ['token_used', 'This link was already used; each link works once. Ask for a new one.'],
  expired: ['token_expired', 'This link has expired; ask for a new one.'],
};

function tokenRefused(problem: TokenProblem, askAt: string): BadRequestError {
  const [code, message] = TOKEN_PROBLEMS[problem];
  return new BadRequestError(`${message.slice(0, -1)} ${askAt}.`, code);
}

export interface AuthSettings {
  appName: string;
  jwt: Config['jwt'];
  unverifiedAccess: Config['unverifiedAccess'];
  tokenTtl: Config['tokenTtl'];
  mail: Config['mail'];
}

export class AuthService {
  private readonly accessTokens: AccessTokens;
  private readonly background = new Set<Promise<void>>();

  constructor(
    private readonly users: UsersRepository,
    private readonly sessions: SessionsRepository,
    private readonly tokens: UserTokensRepository,
    private readonly mailer: Mailer,
    private readonly limiter: RateLimiter,
    private readonly settings: AuthSettings,
    private readonly logger: Logger,
  ) {
    this.accessTokens = new AccessTokens(settings.jwt);
  }

  /** Creates the account and mails a verification link; logs the user in unless unverified users may not log in. */
  async register(input: RegisterInput): Promise<{ user: User; tokens?: TokenPair }> {
    const passwordHash = await hashPassword(input.password);
    const user = await this.users.create({ email: input.email.toLowerCase(), name: input.name, passwordHash });
    this.later('verification mail', () => this.mailToken(user, 'verify_email'));
    if (this.settings.unverifiedAccess === 'none') return { user };
    return { user, tokens: await this.startSession(user.id) };
  }

  /** The same answer, after the same work, whether the email is unknown or the password wrong. */
  async login(input: LoginInput): Promise<TokenPair> {
    const email = input.email.toLowerCase();
    await this.limiter.account('login', email);
    const credentials = await this.users.findCredentials(email);
    const valid = await verifyPassword(credentials?.passwordHash, input.password);
    if (!credentials || !valid) {
      securityEvent(this.logger, 'login_failed', {
        email: maskAddress(email),
        userId: credentials?.id,
        knownAccount: Boolean(credentials),
      });
      throw new UnauthorizedError(INVALID_CREDENTIALS, 'invalid_credentials');
    }
    if (!credentials.emailVerified && this.settings.unverifiedAccess === 'none') {
      throw new ForbiddenError(
        `Verify your email address before logging in: open the link we mailed you, or ask for a new one ${RESEND_AT}.`,
        'email_not_verified',
      );
    }
    return this.startSession(credentials.id);
  }

  /** Rotates the refresh token. Presenting a used token revokes its whole session. */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const stored = await this.sessions.findToken(hashToken(refreshToken));
    if (!stored || stored.sessionRevokedAt) {
      throw new UnauthorizedError('The refresh token is invalid or revoked; log in again.', 'invalid_refresh_token');
    }
    // A replay revokes the session whatever the limits say; only then is the session's budget counted.
    if (stored.usedAt) {
      await this.revokeReplayed(stored);
    }
    await this.limiter.account('refresh', stored.sessionId);
    if (stored.sessionExpiresAt.getTime() <= Date.now()) {
      throw new UnauthorizedError(
        `The session has reached its end (${this.settings.jwt.refreshTtl} s after logging in); log in again.`,
        'session_expired',
      );
    }
    if (stored.expiresAt.getTime() <= Date.now()) {
      throw new UnauthorizedError('The refresh token has expired; log in again.', 'refresh_token_expired');
    }
    const next = newOpaqueToken();
    // A refreshed token lives as long as its session, never longer.
    const rotated = await this.sessions.rotate(stored.id, stored.sessionId, next.hash, stored.sessionExpiresAt);
    if (!rotated) {
      await this.revokeReplayed(stored);
    }
    return this.tokenPair({ userId: stored.userId, sessionId: stored.sessionId }, next.token, stored.sessionExpiresAt);
  }

  /** A spent refresh token presented again: whoever holds it, the session is no longer safe. */
  private async revokeReplayed(stored: { userId: string; sessionId: string }): Promise<never> {
    await this.sessions.revoke(stored.sessionId);
    securityEvent(this.logger, 'refresh_token_reused', { userId: stored.userId, sessionId: stored.sessionId });
    throw new UnauthorizedError('This refresh token was already used; the session is revoked. Log in again.', 'refresh_token_reused');
  }

  async logout(sessionId: string): Promise<void> {
    await this.sessions.revoke(sessionId);
  }

  /** Checks a bearer token and that its session is still open (logout takes effect at once). */
  async authenticate(accessToken: string): Promise<Principal> {
    const claims = this.accessTokens.verify(accessToken);
    const user = await this.sessions.activeUser(claims.sessionId);
    if (!user) throw new UnauthorizedError('The session has ended; log in again.', 'session_revoked');
    return { ...claims, ...user };
  }

  /** Authorization, in one place for every stack: verified email for writes, the admin role for admin routes. */
  authorize(principal: Principal, requirement: Requirement): void {
    if (requirement === 'admin' && principal.role !== 'admin') {
      throw new ForbiddenError('This needs the admin role.', 'admin_only');
    }
    if (requirement === 'verified' && !principal.emailVerified && this.settings.unverifiedAccess !== 'full') {
      throw new ForbiddenError(
        `Verify your email address before writing: open the link we mailed you, or ask for a new one ${RESEND_AT}.`,
        'email_not_verified',
      );
    }
  }

  /** Follows a verification link: marks the address verified. */
  async verifyEmail(token: string): Promise<User> {
    const redeemed = await this.tokens.verifyEmail(hashToken(token));
    if ('problem' in redeemed) throw tokenRefused(redeemed.problem, RESEND_AT);
    const user = await this.users.findById(redeemed.userId);
    if (!user) throw tokenRefused('invalid', RESEND_AT);
    return user;
  }

  /** Mails a new verification link. The answer is the same for unknown, verified and unverified addresses. */
  async resendVerification(email: string): Promise<Accepted> {
    await this.limiter.account('resend-verification', email.toLowerCase());
    this.later('verification mail', async () => {
      const user = await this.users.findByEmail(email.toLowerCase());
      if (user && !user.emailVerified) await this.mailToken(user, 'verify_email');
    });
    return { status: 'accepted', detail: 'If the address belongs to an unverified account, a new verification link is on its way.' };
  }

  /**
   * Mails a password reset link. Answers at once, before looking the address up, so
   * known and unknown addresses get the same answer in the same time.
   */
  async requestPasswordReset(email: string): Promise<Accepted> {
    await this.limiter.account('forgot-password', email.toLowerCase());
    this.later('password reset mail', async () => {
      const user = await this.users.findByEmail(email.toLowerCase());
      if (user) await this.mailToken(user, 'reset_password');
    });
    return { status: 'accepted', detail: 'If the address belongs to an account, a password reset link is on its way.' };
  }

  /**
   * Tells whether a mailed link still works, without using it: what opening the link (a GET,
   * which mail scanners prefetch) may do. Verifying and resetting are POSTs.
   */
  async checkToken(purpose: TokenPurpose, token: string): Promise<{ valid: true; expiresAt: string }> {
    const found = await this.tokens.peek(purpose, hashToken(token));
    if ('problem' in found) throw tokenRefused(found.problem, purpose === 'verify_email' ? RESEND_AT : FORGOT_AT);
    return { valid: true, expiresAt: found.expiresAt.toISOString() };
  }

  /** Sets a new password with a reset link; every session of the user ends. */
  async resetPassword(token: string, password: string): Promise<void> {
    const passwordHash = await hashPassword(password);
    const redeemed = await this.tokens.resetPassword(hashToken(token), passwordHash);
    if ('problem' in redeemed) throw tokenRefused(redeemed.problem, FORGOT_AT);
    securityEvent(this.logger, 'password_reset', { userId: redeemed.userId, sessionsEnded: 'all' });
  }

  /**
   * Deletes what can no longer be used: sessions (and their refresh tokens) and mailed tokens
   * that ended more than `PRUNE_AFTER_MS` ago. Until then, a replayed or spent token is still
   * refused with its precise reason. src/boot.ts runs it at boot and every hour.
   */
  async prune(): Promise<{ sessions: number; mailTokens: number }> {
    const before = new Date(Date.now() - PRUNE_AFTER_MS);
    const pruned = { sessions: await this.sessions.prune(before), mailTokens: await this.tokens.prune(before) };
    if (pruned.sessions + pruned.mailTokens > 0) this.logger.info(pruned, 'pruned ended sessions and mailed tokens');
    return pruned;
  }

  /**
   * Changes the password of a logged-in user who proves to know the current one. Every other
   * session of the account ends (a thief's among them); the session that asked goes on.
   */
  async changePassword(principal: { userId: string; sessionId: string }, currentPassword: string, newPassword: string): Promise<void> {
    await this.limiter.account('change-password', principal.userId);
    const storedHash = await this.users.findPasswordHash(principal.userId);
    if (!(await verifyPassword(storedHash, currentPassword))) {
      throw new ValidationError([{ field: 'currentPassword', message: 'is not the current password' }], 'The current password is wrong.');
    }
    await this.users.changePassword(principal.userId, await hashPassword(newPassword), principal.sessionId);
    securityEvent(this.logger, 'password_changed', { userId: principal.userId, sessionId: principal.sessionId, otherSessionsEnded: true });
  }

  /** Waits for mail work started by requests (at shutdown, and in tests). */
  async settle(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  private later(what: string, task: () => Promise<void>): void {
    const running = task()
      .catch((error: unknown) => this.logger.error({ err: error }, `${what} could not be prepared`))
      .finally(() => this.background.delete(running));
    this.background.add(running);
  }

  /** Issues a single-use token and mails its link, at most once per cooldown per user and purpose. */
  private async mailToken(user: User, purpose: TokenPurpose): Promise<void> {
    const { mail, tokenTtl, appName } = this.settings;
    const last = await this.tokens.lastIssuedAt(user.id, purpose);
    if (last && Date.now() - last.getTime() < mail.cooldownSeconds * 1000) {
      this.logger.info({ userId: user.id, purpose }, 'mail not sent: the previous link is too recent');
      return;
    }
    const ttl = purpose === 'verify_email' ? tokenTtl.verifyEmail : tokenTtl.resetPassword;
    const { token, hash } = newOpaqueToken();
    await this.tokens.issue(user.id, purpose, hash, new Date(Date.now() + ttl * 1000));
    const page = purpose === 'verify_email' ? 'verify-email' : 'reset-password';
    const content = { appName, to: user.email, name: user.name, link: `${mail.linkBaseUrl}/${page}?token=${token}`, expiresInSeconds: ttl };
    this.mailer.send(purpose === 'verify_email' ? verificationMail(content) : passwordResetMail(content));
  }

  private async startSession(userId: string): Promise<TokenPair> {
    const refresh = newOpaqueToken();
    const sessionEnd = new Date(Date.now() + this.settings.jwt.refreshTtl * 1000);
    const sessionId = await this.sessions.create(userId, sessionEnd, refresh.hash);
    return this.tokenPair({ userId, sessionId }, refresh.token, sessionEnd);
  }

  private tokenPair(claims: AccessClaims, refreshToken: string, sessionEnd: Date): TokenPair {
    return {
      tokenType: 'Bearer',
      accessToken: this.accessTokens.sign(claims),
      expiresIn: this.settings.jwt.accessTtl,
      refreshToken,
      refreshExpiresIn: Math.max(0, Math.round((sessionEnd.getTime() - Date.now()) / 1000)),
    };
  }
}
