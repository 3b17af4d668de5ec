import { hashPassword, verifyPassword } from '../../auth/passwords';
import { AccessTokens, hashToken, newRefreshToken, type AccessClaims } from '../../auth/tokens';
import type { Config } from '../../config';
import { UnauthorizedError } from '../../errors';
import type { UsersRepository } from '../users/users.repository';
import type { User } from '../users/users.schema';
import type { LoginInput, RegisterInput, TokenPair } from './auth.schema';
import type { SessionsRepository } from './sessions.repository';

const INVALID_CREDENTIALS = 'The email or password is wrong.';

export class AuthService {
  private readonly accessTokens: AccessTokens;

  constructor(
    private readonly users: UsersRepository,
    private readonly sessions: SessionsRepository,
    private readonly jwtConfig: Config['jwt'],
  ) {
    this.accessTokens = new AccessTokens(jwtConfig);
  }

  async register(input: RegisterInput): Promise<{ user: User; tokens: TokenPair }> {
    const passwordHash = await hashPassword(input.password);
    const user = await this.users.create({ email: input.email.toLowerCase(), name: input.name, passwordHash });
    return { user, tokens: await this.startSession(user.id) };
  }

  /** The same answer, after the same work, whether the email is unknown or the password wrong. */
  async login(input: LoginInput): Promise<TokenPair> {
    const credentials = await this.users.findCredentials(input.email.toLowerCase());
    const valid = await verifyPassword(credentials?.passwordHash, input.password);
    if (!credentials || !valid) throw new UnauthorizedError(INVALID_CREDENTIALS, 'invalid_credentials');
    return this.startSession(credentials.id);
  }

  /** Rotates the refresh token. Presenting a used token revokes its whole session. */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const stored = await this.sessions.findToken(hashToken(refreshToken));
    if (!stored || stored.sessionRevokedAt) {
      throw new UnauthorizedError('The refresh token is invalid or revoked; log in again.', 'invalid_refresh_token');
    }
    if (stored.usedAt) {
      await this.sessions.revoke(stored.sessionId);
      throw new UnauthorizedError('This refresh token was already used; the session is revoked. Log in again.', 'refresh_token_reused');
    }
    if (stored.expiresAt.getTime() <= Date.now()) {
      throw new UnauthorizedError('The refresh token has expired; log in again.', 'refresh_token_expired');
    }
    const next = newRefreshToken();
    const rotated = await this.sessions.rotate(stored.id, stored.sessionId, next.hash, this.refreshExpiry());
    if (!rotated) {
      await this.sessions.revoke(stored.sessionId);
      throw new UnauthorizedError('This refresh token was already used; the session is revoked. Log in again.', 'refresh_token_reused');
    }
    return this.tokenPair({ userId: stored.userId, sessionId: stored.sessionId }, next.token);
  }

  async logout(sessionId: string): Promise<void> {
    await this.sessions.revoke(sessionId);
  }

  /** Checks a bearer token and that its session is still open (logout takes effect at once). */
  async authenticate(accessToken: string): Promise<AccessClaims> {
    const claims = this.accessTokens.verify(accessToken);
    if (!(await this.sessions.isActive(claims.sessionId))) {
      throw new UnauthorizedError('The session has ended; log in again.', 'session_revoked');
    }
    return claims;
  }

  private async startSession(userId: string): Promise<TokenPair> {
    const refresh = newRefreshToken();
    const sessionId = await this.sessions.create(userId, this.refreshExpiry(), refresh.hash);
    return this.tokenPair({ userId, sessionId }, refresh.token);
  }

  private tokenPair(claims: AccessClaims, refreshToken: string): TokenPair {
    return {
      tokenType: 'Bearer',
      accessToken: this.accessTokens.sign(claims),
      expiresIn: this.jwtConfig.accessTtl,
      refreshToken,
      refreshExpiresIn: this.jwtConfig.refreshTtl,
    };
  }

  private refreshExpiry(): Date {
    return new Date(Date.now() + this.jwtConfig.refreshTtl * 1000);
  }
}
