import { type CallHandler, type ExecutionContext, Inject, Injectable, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { map, type Observable } from 'rxjs';
import type { z } from 'zod';
import { compileSerializer } from '../serializer';
import { RESPONSE_SCHEMA } from './endpoint';

type Writer = (data: unknown) => string;

/**
 * Writes each endpoint's result with the serializer compiled from its response schema (once per
 * handler), like the other stacks: only declared fields leave the server, nine times cheaper
 * than zod's encode plus JSON.stringify.
 */
@Injectable()
export class SerializerInterceptor implements NestInterceptor {
  private readonly writers = new Map<unknown, Writer | null>();

  constructor(@Inject(Reflector) private readonly reflector: Reflector) {}

  private writer(context: ExecutionContext): Writer | null {
    const handler = context.getHandler();
    let writer = this.writers.get(handler);
    if (writer === undefined) {
      const schema = this.reflector.get<z.ZodType | undefined>(RESPONSE_SCHEMA, handler);
      writer = schema ? compileSerializer(schema) : null;
      this.writers.set(handler, writer);
    }
    return writer;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const write = this.writer(context);
    if (!write) return next.handle();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return next.handle().pipe(
      map((data: unknown) => {
        reply.type('application/json; charset=utf-8');
        return write(data);
      }),
    );
  }
}
