import { {% if auth %}ForbiddenError, {% endif %}NotFoundError } from '../../errors';
{%- if auth or api_type == 'graphql' %}
import { decodeCursor, toPage, type Page } from '../../pagination';
{%- endif %}
{%- if auth %}
import type { Logger } from '../../logger';
import { securityEvent } from '../../request-context';
{%- endif %}
import type { UsersRepository } from './users.repository';
import type { CreateUserInput, {% if auth %}Role, {% endif %}User } from './users.schema';

export class UsersService {
{%- if auth %}
  constructor(
    private readonly users: UsersRepository,
    private readonly logger: Logger,
  ) {}
{%- else %}
  constructor(private readonly users: UsersRepository) {}
{%- endif %}

  async getById(id: string): Promise<User> {
    const user = await this.users.findById(id);
    if (!user) throw new NotFoundError(`No user has id ${id}.`, 'user_not_found');
    return user;
  }

  async exists(id: string): Promise<boolean> {
    return this.users.exists(id);
  }

  /** Creates a user without credentials (used when the API runs without authentication). */
  async create(input: CreateUserInput): Promise<User> {
    return this.users.create({ email: input.email.toLowerCase(), name: input.name });
  }
{%- if api_type == 'graphql' %}

  /** Users by id, in one query; missing ids are left out. */
  async getMany(ids: readonly string[]): Promise<User[]> {
    return this.users.findByIds(ids);
  }
{%- endif %}
{%- if auth or api_type == 'graphql' %}

  /** Every account, newest first. */
  async list(limit: number, cursor?: string): Promise<Page<User>> {
    const rows = await this.users.list(limit + 1, cursor ? decodeCursor(cursor) : undefined);
    return toPage(rows, limit);
  }
{%- endif %}
{%- if auth %}

  /** An administrator (`actingId`) changes another account's role; never their own, so one admin always remains. */
  async setRole(actingId: string, id: string, role: Role): Promise<User> {
    if (id === actingId) {
      throw new ForbiddenError('Administrators cannot change their own role; ask another administrator.', 'own_role');
    }
    const user = await this.users.setRole(id, role);
    if (!user) throw new NotFoundError(`No user has id ${id}.`, 'user_not_found');
    securityEvent(this.logger, 'role_changed', { userId: actingId, targetUserId: id, role });
    return user;
  }
{%- endif %}
}
