import { NotFoundError } from '../../errors';
import type { UsersRepository } from './users.repository';
import type { CreateUserInput, User } from './users.schema';

export class UsersService {
  constructor(private readonly users: UsersRepository) {}

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
}
