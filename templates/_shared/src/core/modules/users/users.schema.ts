import { z } from 'zod';

export const IdParams = z.object({ id: z.uuid({ message: 'must be a UUID' }) });

export const EmailField = z.email({ message: 'must be an email address' }).max(254);
export const NameField = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters');

export const UserSchema = z.object({
  id: z.uuid(),
  email: z.email(),
  name: z.string(),
  createdAt: z.iso.datetime(),
});
export type User = z.infer<typeof UserSchema>;

export const PublicUserSchema = z.object({ id: z.uuid(), name: z.string() });
export type PublicUser = z.infer<typeof PublicUserSchema>;

export const CreateUserBody = z.object({ email: EmailField, name: NameField });
export type CreateUserInput = z.infer<typeof CreateUserBody>;
