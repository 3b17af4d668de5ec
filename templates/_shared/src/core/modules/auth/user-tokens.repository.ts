import type { Db } from '../../db';
import type { Prisma } from '../../../generated/prisma/client';

export type TokenPurpose = 'verify_email' | 'reset_password';

/** Why a mailed token was refused. */
export type TokenProblem = 'invalid' | 'used' | 'expired';

export type Redeemed = { userId: string } | { problem: TokenProblem };

/** The single-use tokens sent by mail. Only SHA-256 hashes are stored. */
export class UserTokensRepository {
  constructor(private readonly db: Db) {}

  /** Issues a token and retires the user's earlier unused ones of the same purpose (only the newest link works). */
  async issue(userId: string, purpose: TokenPurpose, tokenHash: string, expiresAt: Date): Promise<void> {
    await this.db.$transaction([
      this.db.userToken.updateMany({ where: { userId, purpose, usedAt: null }, data: { usedAt: new Date() } }),
      this.db.userToken.create({ data: { userId, purpose, tokenHash, expiresAt } }),
    ]);
  }

  /** Deletes mailed tokens that expired before `expiredBefore`; returns how many. */
  async prune(expiredBefore: Date): Promise<number> {
    const { count } = await this.db.userToken.deleteMany({ where: { expiresAt: { lt: expiredBefore } } });
    return count;
  }

  /** When the user was last sent a token of this purpose (for the resend cooldown). */
  async lastIssuedAt(userId: string, purpose: TokenPurpose): Promise<Date | null> {
    const row = await this.db.userToken.findFirst({
      where: { userId, purpose },
      orderBy: { createdAt: 'desc' },
      select: { createdAt: true },
    });
    return row?.createdAt ?? null;
  }

  /** Looks a token up without using it. */
  async peek(purpose: TokenPurpose, tokenHash: string): Promise<{ userId: string; expiresAt: Date } | { problem: TokenProblem }> {
    const found = await find(this.db, purpose, tokenHash);
    return 'problem' in found ? found : { userId: found.row.userId, expiresAt: found.row.expiresAt };
  }

  /** Uses a verification token and marks the address verified, atomically. */
  async verifyEmail(tokenHash: string): Promise<Redeemed> {
    return this.db.$transaction(async (tx) => {
      const claimed = await claim(tx, 'verify_email', tokenHash);
      if ('problem' in claimed) return claimed;
      await tx.user.updateMany({ where: { id: claimed.userId, emailVerifiedAt: null }, data: { emailVerifiedAt: new Date() } });
      return claimed;
    });
  }

  /**
   * Uses a reset token, sets the new password hash and revokes every session of the user,
   * atomically. Following the link also proves the address, so it counts as verified.
   */
  async resetPassword(tokenHash: string, passwordHash: string): Promise<Redeemed> {
    return this.db.$transaction(async (tx) => {
      const claimed = await claim(tx, 'reset_password', tokenHash);
      if ('problem' in claimed) return claimed;
      const now = new Date();
      await tx.user.update({ where: { id: claimed.userId }, data: { passwordHash } });
      await tx.user.updateMany({ where: { id: claimed.userId, emailVerifiedAt: null }, data: { emailVerifiedAt: now } });
      await tx.session.updateMany({ where: { userId: claimed.userId, revokedAt: null }, data: { revokedAt: now } });
      return claimed;
    });
  }
}

type Found = { row: { id: string; userId: string; expiresAt: Date } } | { problem: TokenProblem };

/** A usable token of this purpose, or why it is refused. */
async function find(client: Pick<Prisma.TransactionClient, 'userToken'>, purpose: TokenPurpose, tokenHash: string): Promise<Found> {
  const row = await client.userToken.findUnique({ where: { tokenHash } });
  if (!row || row.purpose !== purpose) return { problem: 'invalid' };
  if (row.usedAt) return { problem: 'used' };
  if (row.expiresAt.getTime() <= Date.now()) return { problem: 'expired' };
  return { row };
}

/** Marks the token used if it is valid; a concurrent use of the same token loses the race and sees 'used'. */
async function claim(tx: Prisma.TransactionClient, purpose: TokenPurpose, tokenHash: string): Promise<Redeemed> {
  const found = await find(tx, purpose, tokenHash);
  if ('problem' in found) return found;
  const { count } = await tx.userToken.updateMany({ where: { id: found.row.id, usedAt: null }, data: { usedAt: new Date() } });
  return count === 1 ? { userId: found.row.userId } : { problem: 'used' };
}
