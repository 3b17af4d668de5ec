import type { Container } from '../../core/container';
import {
  ChangePasswordBody,
  EmailBody,
  LoginBody,
  RefreshBody,
  RegisterBody,
  ResetPasswordBody,
  TokenBody,
  TokenQuery,
} from '../../core/modules/auth/auth.schema';
import { actorId } from '../actor';
import { endpoint, operation, type Operation } from '../operation';

/** Accounts: register, log in, refresh, log out, verify the address, reset and change the password. */
export function authOperations(container: Container): Operation[] {
  const { users } = container;
  return [
    operation({
      ...endpoint('POST /auth/register'),
      tags: ['auth'],
      rateLimited: true,
      body: RegisterBody,
      handle: ({ body }) => container.auth.register(body),
    }),
    operation({
      ...endpoint('POST /auth/login'),
      tags: ['auth'],
      rateLimited: true,
      body: LoginBody,
      handle: ({ body }) => container.auth.login(body),
    }),
    operation({
      ...endpoint('POST /auth/refresh'),
      tags: ['auth'],
      rateLimited: true,
      body: RefreshBody,
      handle: ({ body }) => container.auth.refresh(body.refreshToken),
    }),
    operation({
      ...endpoint('POST /auth/logout'),
      tags: ['auth'],
      handle: async ({ actor }) => {
        actorId(actor);
        await container.auth.logout(actor.sessionId as string);
      },
    }),
    operation({
      ...endpoint('POST /auth/change-password'),
      tags: ['auth'],
      rateLimited: true,
      body: ChangePasswordBody,
      handle: async ({ actor, body }) => {
        const principal = { userId: actorId(actor), sessionId: actor.sessionId as string };
        await container.auth.changePassword(principal, body.currentPassword, body.newPassword);
      },
    }),
    operation({
      ...endpoint('GET /auth/me'),
      tags: ['auth'],
      handle: ({ actor }) => users.getById(actorId(actor)),
    }),
    operation({
      ...endpoint('POST /auth/verify-email'),
      tags: ['auth'],
      rateLimited: true,
      body: TokenBody,
      handle: ({ body }) => container.auth.verifyEmail(body.token),
    }),
    operation({
      ...endpoint('GET /auth/verify-email'),
      tags: ['auth'],
      rateLimited: true,
      query: TokenQuery,
      handle: ({ query }) => container.auth.checkToken('verify_email', query.token),
    }),
    operation({
      ...endpoint('POST /auth/verify-email/resend'),
      tags: ['auth'],
      rateLimited: true,
      body: EmailBody,
      handle: async ({ body }) => container.auth.resendVerification(body.email),
    }),
    operation({
      ...endpoint('POST /auth/forgot-password'),
      tags: ['auth'],
      rateLimited: true,
      body: EmailBody,
      handle: async ({ body }) => container.auth.requestPasswordReset(body.email),
    }),
    operation({
      ...endpoint('GET /auth/reset-password'),
      tags: ['auth'],
      rateLimited: true,
      query: TokenQuery,
      handle: ({ query }) => container.auth.checkToken('reset_password', query.token),
    }),
    operation({
      ...endpoint('POST /auth/reset-password'),
      tags: ['auth'],
      rateLimited: true,
      body: ResetPasswordBody,
      handle: ({ body }) => container.auth.resetPassword(body.token, body.password),
    }),
  ];
}
