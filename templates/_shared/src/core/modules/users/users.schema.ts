import { z } from 'zod';
import { NO_NUL, STORABLE } from '../../fields';

// At most 64 characters before the @ (RFC 5321), 254 in all, and a domain whose labels neither start
// nor end with a hyphen: what the OpenAPI `format: email` promises to clients.
const MAILBOX = /^[^@]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}$/;
export const EmailField = z.email({ message: 'must be an email address' }).max(254).regex(MAILBOX, 'must be an email address');
export const NameField = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters').regex(STORABLE, NO_NUL);
{%- if auth %}

export const ROLES = ['user', 'admin'] as const;
export const RoleField = z.enum(ROLES, { message: "must be 'user' or 'admin'" });
export type Role = z.infer<typeof RoleField>;

/** The role stored in a row (the database's check constraint allows only these two). */
export function asRole(value: string): Role {
  return value === 'admin' ? 'admin' : 'user';
}
{%- endif %}

export const UserSchema = z.object({
  id: z.uuid(),
  email: z.email(),
  name: z.string(),
{%- if auth %}
  role: RoleField,
  emailVerified: z.boolean(),
{%- endif %}
  createdAt: z.iso.datetime(),
});
export type User = z.infer<typeof UserSchema>;

export const PublicUserSchema = z.object({ id: z.uuid(), name: z.string() });
export type PublicUser = z.infer<typeof PublicUserSchema>;

export const CreateUserBody = z.object({ email: EmailField, name: NameField });
export type CreateUserInput = z.infer<typeof CreateUserBody>;
{%- if auth %}

export const UserPageSchema = z.object({ data: z.array(UserSchema), nextCursor: z.string().nullable() });

export const UpdateRoleBody = z.object({ role: RoleField });
{%- endif %}
