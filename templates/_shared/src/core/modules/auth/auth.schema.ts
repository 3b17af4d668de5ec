import { z } from 'zod';
import { EmailField, NameField, UserSchema } from '../users/users.schema';

export const PasswordField = z
  .string()
  .min(8, 'must be at least 8 characters')
  .max(128, 'must be at most 128 characters')
  .regex(/[A-Za-z]/, 'must contain a letter')
  .regex(/[0-9]/, 'must contain a digit');

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

const Token = z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters');
export const TokenBody = z.object({ token: Token });
export const TokenQuery = z.object({ token: Token });
export const ResetPasswordBody = z.object({ token: Token, password: PasswordField });

export const AcceptedSchema = z.object({ status: z.literal('accepted'), detail: z.string() });
export type Accepted = z.infer<typeof AcceptedSchema>;

/** What opening a mailed link (GET) tells: the link still works, until when. Using it is a POST. */
export const TokenStatusSchema = z.object({ valid: z.literal(true), expiresAt: z.iso.datetime() });
