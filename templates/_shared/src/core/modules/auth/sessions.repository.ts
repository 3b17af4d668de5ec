import type { Db, Sql } from '../../db';
import { asRole, type Role } from '../users/users.schema';

export interface StoredRefreshToken {
  id: string;
  sessionId: string;
  userId: string;
  expiresAt: Date;
  usedAt: Date | null;
  sessionRevokedAt: Date | null;
  /** A session ends this long after its login, however often its tokens are refreshed. */
  sessionExpiresAt: Date;
}

/** Login sessions and their refresh-token chain. */
export class SessionsRepository {
  constructor(
    private readonly db: Db,
    private readonly sql: Sql,
  ) {}

  async create(userId: string, expiresAt: Date, tokenHash: string): Promise<string> {
    const session = await this.db.session.create({
      data: { userId, expiresAt, refreshTokens: { create: { tokenHash, expiresAt } } },
      select: { id: true },
    });
    return session.id;
  }

  async findToken(tokenHash: string): Promise<StoredRefreshToken | null> {
    const row = await this.db.refreshToken.findUnique({
      where: { tokenHash },
      select: {
        id: true,
        sessionId: true,
        expiresAt: true,
        usedAt: true,
        session: { select: { userId: true, revokedAt: true, expiresAt: true } },
      },
    });
    if (!row) return null;
    return {
      id: row.id,
      sessionId: row.sessionId,
      userId: row.session.userId,
      expiresAt: row.expiresAt,
      usedAt: row.usedAt,
      sessionRevokedAt: row.session.revokedAt,
      sessionExpiresAt: row.session.expiresAt,
    };
  }

  /**
   * Marks a token used and adds its successor, atomically. Returns false when the
   * token was already used (a replay, or a concurrent refresh that lost the race).
   */
  async rotate(tokenId: string, sessionId: string, nextHash: string, expiresAt: Date): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      const { count } = await tx.refreshToken.updateMany({ where: { id: tokenId, usedAt: null }, data: { usedAt: new Date() } });
      if (count === 0) return false;
      await tx.refreshToken.create({ data: { sessionId, tokenHash: nextHash, expiresAt } });
      return true;
    });
  }

  async revoke(sessionId: string): Promise<void> {
    await this.db.session.updateMany({ where: { id: sessionId, revokedAt: null }, data: { revokedAt: new Date() } });
  }

  /**
   * The user behind an open session (role and verification read fresh on every request), or null
   * once it ended. One statement: it runs on every authenticated request.
   */
  async activeUser(sessionId: string): Promise<{ role: Role; emailVerified: boolean } | null> {
    const [row] = await this.sql<{ role: string; verified: boolean }>`
      SELECT u.role, u.email_verified_at IS NOT NULL AS verified
        FROM sessions s JOIN users u ON u.id = s.user_id
       WHERE s.id = ${sessionId}::uuid AND s.revoked_at IS NULL AND s.expires_at > now()`;
    return row ? { role: asRole(row.role), emailVerified: row.verified } : null;
  }

  /**
   * Deletes sessions (with their refresh tokens) that ended before `endedBefore`: expired, or
   * revoked by logout, reset or a replayed token. Returns how many.
   */
  async prune(endedBefore: Date): Promise<number> {
    return this.db.$executeRaw`
      DELETE FROM sessions WHERE expires_at < ${endedBefore} OR revoked_at < ${endedBefore}`;
  }
}
