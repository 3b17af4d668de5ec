import { applyDecorators, Body, Controller, Get, Inject, Post, Query, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ProblemSchema } from '../../core/errors';
import {
  AcceptedSchema,
  ChangePasswordBody,
  type ChangePasswordInput,
  EmailBody,
  LoginBody,
  type LoginInput,
  RefreshBody,
  RegisterBody,
  type RegisterInput,
  RegisterResponse,
  ResetPasswordBody,
  TokenBody,
  TokenPairSchema,
  TokenQuery,
  TokenStatusSchema,
} from '../../core/modules/auth/auth.schema';
import { AuthService } from '../../core/modules/auth/auth.service';
import { UsersService } from '../../core/modules/users/users.service';
import { UserSchema } from '../../core/modules/users/users.schema';
import { type Actor, actorId } from '../actor';
import { CurrentActor, Endpoint, NoContent } from '../nest/endpoint';
import { RateLimitGuard } from '../nest/rate-limit.guard';

/** Credential endpoints: the stricter per-client limit (AUTH_RATE_LIMIT_MAX per AUTH_RATE_LIMIT_WINDOW_SECONDS). */
const RateLimited = () => applyDecorators(UseGuards(RateLimitGuard));
const refused = { 400: ProblemSchema, 429: ProblemSchema };

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(UsersService) private readonly users: UsersService,
  ) {}

  @Post('register')
  @RateLimited()
  @Endpoint({
    summary: 'Create an account and start a session',
    status: 201,
    responses: { 201: RegisterResponse, 409: ProblemSchema, ...refused },
  })
  register(@Body({ schema: RegisterBody }) body: RegisterInput) {
    return this.auth.register(body);
  }

  @Post('login')
  @RateLimited()
  @Endpoint({
    summary: 'Exchange email and password for tokens',
    status: 200,
    responses: { 200: TokenPairSchema, 401: ProblemSchema, ...refused },
  })
  login(@Body({ schema: LoginBody }) body: LoginInput) {
    return this.auth.login(body);
  }

  @Post('refresh')
  @RateLimited()
  @Endpoint({
    summary: 'Rotate the refresh token; a reused token revokes its session',
    status: 200,
    responses: { 200: TokenPairSchema, 401: ProblemSchema, ...refused },
  })
  refresh(@Body({ schema: RefreshBody }) body: { refreshToken: string }) {
    return this.auth.refresh(body.refreshToken);
  }

  @Post('logout')
  @Endpoint({
    summary: 'End the current session (its access and refresh tokens)',
    access: 'user',
    status: 204,
    responses: { 204: NoContent, 401: ProblemSchema },
  })
  async logout(@CurrentActor() actor: Actor): Promise<void> {
    actorId(actor);
    await this.auth.logout(actor.sessionId as string);
  }

  @Post('change-password')
  @RateLimited()
  @Endpoint({
    summary: 'Change the password, proving the current one; every other session ends',
    access: 'user',
    status: 204,
    responses: { 204: NoContent, 400: ProblemSchema, 401: ProblemSchema, 429: ProblemSchema },
  })
  async changePassword(@CurrentActor() actor: Actor, @Body({ schema: ChangePasswordBody }) body: ChangePasswordInput): Promise<void> {
    const principal = { userId: actorId(actor), sessionId: actor.sessionId as string };
    await this.auth.changePassword(principal, body.currentPassword, body.newPassword);
  }

  @Get('me')
  @Endpoint({ summary: 'The logged-in user', access: 'user', status: 200, responses: { 200: UserSchema, 401: ProblemSchema } })
  me(@CurrentActor() actor: Actor) {
    return this.users.getById(actorId(actor));
  }

  @Post('verify-email')
  @RateLimited()
  @Endpoint({
    summary: 'Verify the email address with the token from the mailed link',
    status: 200,
    responses: { 200: UserSchema, ...refused },
  })
  verify(@Body({ schema: TokenBody }) body: { token: string }) {
    return this.auth.verifyEmail(body.token);
  }

  @Get('verify-email')
  @RateLimited()
  @Endpoint({
    summary: 'The mailed verification link: tells whether it still works, without using it (POST verifies)',
    status: 200,
    responses: { 200: TokenStatusSchema, ...refused },
  })
  checkVerifyLink(@Query({ schema: TokenQuery }) query: { token: string }) {
    return this.auth.checkToken('verify_email', query.token);
  }

  @Post('verify-email/resend')
  @RateLimited()
  @Endpoint({
    summary: 'Mail a new verification link (same answer for every address)',
    status: 202,
    responses: { 202: AcceptedSchema, ...refused },
  })
  resend(@Body({ schema: EmailBody }) body: { email: string }) {
    return this.auth.resendVerification(body.email);
  }

  @Post('forgot-password')
  @RateLimited()
  @Endpoint({
    summary: 'Mail a password reset link (same answer, same time, for every address)',
    status: 202,
    responses: { 202: AcceptedSchema, ...refused },
  })
  forgot(@Body({ schema: EmailBody }) body: { email: string }) {
    return this.auth.requestPasswordReset(body.email);
  }

  @Get('reset-password')
  @RateLimited()
  @Endpoint({
    summary: 'The mailed reset link: tells whether it still works, without using it',
    status: 200,
    responses: { 200: TokenStatusSchema, ...refused },
  })
  checkReset(@Query({ schema: TokenQuery }) query: { token: string }) {
    return this.auth.checkToken('reset_password', query.token);
  }

  @Post('reset-password')
  @RateLimited()
  @Endpoint({
    summary: 'Set a new password with the mailed token; every session of the user ends',
    status: 204,
    responses: { 204: NoContent, ...refused },
  })
  async reset(@Body({ schema: ResetPasswordBody }) body: { token: string; password: string }): Promise<void> {
    await this.auth.resetPassword(body.token, body.password);
  }
}
