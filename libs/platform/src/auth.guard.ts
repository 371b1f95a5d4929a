import { CanActivate, ExecutionContext, HttpStatus, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { ProblemException } from './problem';

const PUBLIC_ROUTE = 'herald:public';

/** Marks a route that needs no token (health checks). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** Compares two tokens in constant time (hashing first so lengths do not leak). */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The bearer token of a request, or null. */
export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match ? match[1] : null;
}

/** Every route needs `Authorization: Bearer <admin token>` unless marked @Public(). */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()])) return true;
    const token = bearerToken(context.switchToHttp().getRequest<Request>().headers.authorization);
    if (!token || !tokensEqual(token, this.config.adminToken)) {
      throw new ProblemException(HttpStatus.UNAUTHORIZED, 'unauthorized', 'a valid bearer token is required');
    }
    return true;
  }
}
