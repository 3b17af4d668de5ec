import { createHash, createSecretKey, type KeyObject, randomBytes, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Config } from '../config';
import { UnauthorizedError } from '../errors';

export interface AccessClaims {
  userId: string;
  sessionId: string;
}

/** Short-lived HS256 access tokens bound to a session; only HS256 is accepted back. */
export class AccessTokens {
  /**
   * The secret as a key, made once: given a string, jsonwebtoken tries it as a public key (and
   * fails, throwing) on every call before taking it as a secret, a sixth of an authenticated write.
   */
  private readonly key: KeyObject;

  constructor(private readonly jwtConfig: Config['jwt']) {
    this.key = createSecretKey(Buffer.from(jwtConfig.secret, 'utf8'));
  }

  sign(claims: AccessClaims): string {
    return jwt.sign({ sid: claims.sessionId, typ: 'access' }, this.key, {
      algorithm: 'HS256',
      subject: claims.userId,
      expiresIn: this.jwtConfig.accessTtl,
      issuer: this.jwtConfig.issuer,
      audience: this.jwtConfig.audience,
      jwtid: randomUUID(),
    });
  }

  verify(token: string): AccessClaims {
    let payload: jwt.JwtPayload | string;
    try {
      payload = jwt.verify(token, this.key, {
        algorithms: ['HS256'],
        issuer: this.jwtConfig.issuer,
        audience: this.jwtConfig.audience,
      });
    } catch (error) {
      if (error instanceof jwt.TokenExpiredError) {
        throw new UnauthorizedError('The access token has expired; refresh it at /auth/refresh.', 'token_expired');
      }
      throw new UnauthorizedError('The access token is invalid.', 'invalid_token');
    }
    if (typeof payload === 'string' || payload.typ !== 'access' || typeof payload.sub !== 'string' || typeof payload.sid !== 'string') {
      throw new UnauthorizedError('The access token is invalid.', 'invalid_token');
    }
    return { userId: payload.sub, sessionId: payload.sid };
  }
}

/** Refresh tokens and mailed links carry opaque random strings; only their SHA-256 is stored. */
export function newOpaqueToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
