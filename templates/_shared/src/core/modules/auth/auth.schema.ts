import { z } from 'zod';
import { isCommonPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../auth/passwords';
import { EmailField, NameField, UserSchema } from '../users/users.schema';

/** A new password: long enough and not a common one; no composition rules (see auth/passwords.ts). */
export const PasswordField = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `must be at most ${PASSWORD_MAX_LENGTH} characters`)
  .refine((password) => !isCommonPassword(password), {
    message: 'is one of the most common passwords, which attackers try first; choose another (a few unrelated words make a good one)',
  });

export const RegisterBody = z.object({ email: EmailField, password: PasswordField, name: NameField });
export type RegisterInput = z.infer<typeof RegisterBody>;

export const LoginBody = z.object({ email: EmailField, password: z.string().min(1, 'must not be empty').max(128) });
export type LoginInput = z.infer<typeof LoginBody>;

export const RefreshBody = z.object({ refreshToken: z.string().min(1, 'must not be empty').max(200) });

export const TokenPairSchema = z.object({
  tokenType: z.literal('Bearer'),
  accessToken: z.string(),
  expiresIn: z.number().int(),
  refreshToken: z.string(),
  refreshExpiresIn: z.number().int(),
});
export type TokenPair = z.infer<typeof TokenPairSchema>;

/** `tokens` is absent when unverified users may not log in (UNVERIFIED_USER_ACCESS=none): verify, then log in. */
export const RegisterResponse = z.object({ user: UserSchema, tokens: TokenPairSchema.optional() });

export const EmailBody = z.object({ email: EmailField });

/** The token of a mailed link: 32 random bytes, base64url (see auth/tokens.ts). */
const Token = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be the 43-character token of a mailed link');
export const TokenBody = z.object({ token: Token });
export const TokenQuery = z.object({ token: Token });
export const ResetPasswordBody = z.object({ token: Token, password: PasswordField });

export const ChangePasswordBody = z.object({
  currentPassword: z.string().min(1, 'must not be empty').max(PASSWORD_MAX_LENGTH),
  newPassword: PasswordField,
});
export type ChangePasswordInput = z.infer<typeof ChangePasswordBody>;

export const AcceptedSchema = z.object({ status: z.literal('accepted'), detail: z.string() });
export type Accepted = z.infer<typeof AcceptedSchema>;

/** What opening a mailed link (GET) tells: the link still works, until when. Using it is a POST. */
export const TokenStatusSchema = z.object({ valid: z.literal(true), expiresAt: z.iso.datetime() });
