import type { Db } from '../../db';
import { ConflictError } from '../../errors';
{%- if auth or api_type == 'graphql' %}
import { afterCursor, type Cursor } from '../../pagination';
{%- endif %}
{%- if auth %}
import { asRole, type Role, type User } from './users.schema';

const userSelect = { id: true, email: true, name: true, role: true, emailVerifiedAt: true, createdAt: true } as const;

type UserRow = { id: string; email: string; name: string; role: string; emailVerifiedAt: Date | null; createdAt: Date };

function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: asRole(row.role),
    emailVerified: row.emailVerifiedAt !== null,
    createdAt: row.createdAt.toISOString(),
  };
}

export interface Credentials {
  id: string;
  passwordHash: string | null;
  emailVerified: boolean;
}
{%- else %}
import type { User } from './users.schema';

const userSelect = { id: true, email: true, name: true, createdAt: true } as const;

function toUser(row: { id: string; email: string; name: string; createdAt: Date }): User {
  return { id: row.id, email: row.email, name: row.name, createdAt: row.createdAt.toISOString() };
}
{%- endif %}

export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'P2002';
}

/** The only place that reads and writes users. Returns plain objects. */
export class UsersRepository {
  constructor(private readonly db: Db) {}

  async findById(id: string): Promise<User | null> {
    const row = await this.db.user.findUnique({ where: { id }, select: userSelect });
    return row ? toUser(row) : null;
  }

  async exists(id: string): Promise<boolean> {
    return (await this.db.user.count({ where: { id } })) > 0;
  }
{%- if api_type == 'graphql' %}

  /** Users by id, in one statement (what the GraphQL user loader batches into). */
  async findByIds(ids: readonly string[]): Promise<User[]> {
    const rows = await this.db.user.findMany({ where: { id: { in: [...ids] } }, select: userSelect });
    return rows.map(toUser);
  }
{%- endif %}
{%- if auth or api_type == 'graphql' %}

  /** Every user, newest first; returns up to `take` rows. */
  async list(take: number, cursor?: Cursor): Promise<User[]> {
    const rows = await this.db.user.findMany({
      where: afterCursor(cursor),
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take,
      select: userSelect,
    });
    return rows.map(toUser);
  }
{%- endif %}
{%- if auth %}

  async findByEmail(email: string): Promise<User | null> {
    const row = await this.db.user.findUnique({ where: { email }, select: userSelect });
    return row ? toUser(row) : null;
  }

  async findCredentials(email: string): Promise<Credentials | null> {
    const row = await this.db.user.findUnique({ where: { email }, select: { id: true, passwordHash: true, emailVerifiedAt: true } });
    return row ? { id: row.id, passwordHash: row.passwordHash, emailVerified: row.emailVerifiedAt !== null } : null;
  }

  /** The password hash of an account by id (to check the current password before changing it). */
  async findPasswordHash(id: string): Promise<string | null> {
    const row = await this.db.user.findUnique({ where: { id }, select: { passwordHash: true } });
    return row?.passwordHash ?? null;
  }

  /** Sets a new password hash and ends every session of the account but `keepSessionId`, atomically. */
  async changePassword(id: string, passwordHash: string, keepSessionId: string): Promise<void> {
    const now = new Date();
    await this.db.$transaction([
      this.db.user.update({ where: { id }, data: { passwordHash } }),
      this.db.session.updateMany({ where: { userId: id, revokedAt: null, id: { not: keepSessionId } }, data: { revokedAt: now } }),
    ]);
  }

  async setRole(id: string, role: Role): Promise<User | null> {
    const { count } = await this.db.user.updateMany({ where: { id }, data: { role } });
    return count === 0 ? null : this.findById(id);
  }
{%- endif %}

  async create(input: { email: string; name: string; passwordHash?: string }): Promise<User> {
    try {
      const row = await this.db.user.create({ data: input, select: userSelect });
      return toUser(row);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictError('An account with this email already exists; log in instead.', 'email_taken');
      }
      throw error;
    }
  }
}
