import { applyDecorators, Body, Controller, Get, Inject, Post, Query, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  ChangePasswordBody,
  type ChangePasswordInput,
  EmailBody,
  LoginBody,
  type LoginInput,
  RefreshBody,
  RegisterBody,
  type RegisterInput,
  ResetPasswordBody,
  TokenBody,
  TokenQuery,
} from '../../core/modules/auth/auth.schema';
import { AuthService } from '../../core/modules/auth/auth.service';
import { UsersService } from '../../core/modules/users/users.service';
import { type Actor, actorId } from '../actor';
import { CurrentActor, Endpoint } from '../nest/endpoint';
import { RateLimitGuard } from '../nest/rate-limit.guard';

/** Credential endpoints: the stricter per-client limit (AUTH_RATE_LIMIT_MAX per AUTH_RATE_LIMIT_WINDOW_SECONDS). */
const RateLimited = () => applyDecorators(UseGuards(RateLimitGuard));

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(UsersService) private readonly users: UsersService,
  ) {}

  @Post('register')
  @RateLimited()
  @Endpoint('POST /auth/register')
  register(@Body({ schema: RegisterBody }) body: RegisterInput) {
    return this.auth.register(body);
  }

  @Post('login')
  @RateLimited()
  @Endpoint('POST /auth/login')
  login(@Body({ schema: LoginBody }) body: LoginInput) {
    return this.auth.login(body);
  }

  @Post('refresh')
  @RateLimited()
  @Endpoint('POST /auth/refresh')
  refresh(@Body({ schema: RefreshBody }) body: { refreshToken: string }) {
    return this.auth.refresh(body.refreshToken);
  }

  @Post('logout')
  @Endpoint('POST /auth/logout')
  async logout(@CurrentActor() actor: Actor): Promise<void> {
    actorId(actor);
    await this.auth.logout(actor.sessionId as string);
  }

  @Post('change-password')
  @RateLimited()
  @Endpoint('POST /auth/change-password')
  async changePassword(@CurrentActor() actor: Actor, @Body({ schema: ChangePasswordBody }) body: ChangePasswordInput): Promise<void> {
    const principal = { userId: actorId(actor), sessionId: actor.sessionId as string };
    await this.auth.changePassword(principal, body.currentPassword, body.newPassword);
  }

  @Get('me')
  @Endpoint('GET /auth/me')
  me(@CurrentActor() actor: Actor) {
    return this.users.getById(actorId(actor));
  }

  @Post('verify-email')
  @RateLimited()
  @Endpoint('POST /auth/verify-email')
  verify(@Body({ schema: TokenBody }) body: { token: string }) {
    return this.auth.verifyEmail(body.token);
  }

  @Get('verify-email')
  @RateLimited()
  @Endpoint('GET /auth/verify-email')
  checkVerifyLink(@Query({ schema: TokenQuery }) query: { token: string }) {
    return this.auth.checkToken('verify_email', query.token);
  }

  @Post('verify-email/resend')
  @RateLimited()
  @Endpoint('POST /auth/verify-email/resend')
  resend(@Body({ schema: EmailBody }) body: { email: string }) {
    return this.auth.resendVerification(body.email);
  }

  @Post('forgot-password')
  @RateLimited()
  @Endpoint('POST /auth/forgot-password')
  forgot(@Body({ schema: EmailBody }) body: { email: string }) {
    return this.auth.requestPasswordReset(body.email);
  }

  @Get('reset-password')
  @RateLimited()
  @Endpoint('GET /auth/reset-password')
  checkReset(@Query({ schema: TokenQuery }) query: { token: string }) {
    return this.auth.checkToken('reset_password', query.token);
  }

  @Post('reset-password')
  @RateLimited()
  @Endpoint('POST /auth/reset-password')
  async reset(@Body({ schema: ResetPasswordBody }) body: { token: string; password: string }): Promise<void> {
    await this.auth.resetPassword(body.token, body.password);
  }
}
