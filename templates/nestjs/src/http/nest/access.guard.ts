import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { Container } from '../../core/container';
import { type Access, resolveActor } from '../actor';
import { CONTAINER } from './core.module';
import { ACCESS } from './endpoint';

/** Resolves the acting user and checks the endpoint's access rule, before any pipe validates input. */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(CONTAINER) private readonly container: Container,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.reflector.get<Access | undefined>(ACCESS, context.getHandler()) ?? 'public';
    if (access === 'public') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    request.actor = await resolveActor(this.container, request.headers, access);
    return true;
  }
}
