import type { Db } from '../../db';
import { ConflictError } from '../../errors';
import type { User } from './users.schema';

const userSelect = { id: true, email: true, name: true, createdAt: true } as const;

function toUser(row: { id: string; email: string; name: string; createdAt: Date }): User {
  return { id: row.id, email: row.email, name: row.name, createdAt: row.createdAt.toISOString() };
}

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

  async findCredentials(email: string): Promise<{ id: string; passwordHash: string | null } | null> {
    return this.db.user.findUnique({ where: { email }, select: { id: true, passwordHash: true } });
  }

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
