import { CanActivate, createParamDecorator, ExecutionContext, HttpStatus, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { AppTokenRepository } from '@herald/persistence';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { ProblemException } from './problem';

/** Metadata keys of @Public() and @AdminOnly(); the OpenAPI document and the gRPC server read them too. */
export const PUBLIC_ROUTE = 'herald:public';
export const ADMIN_ONLY = 'herald:admin-only';
export const READ_ONLY_SAFE = 'herald:read-only-safe';
const APP_TOKEN_PREFIX = 'hrld_';
const APP_TOKEN_SHAPE = /^hrld_[A-Za-z0-9_-]{43}$/;
/** How long a verified app token is trusted without asking PostgreSQL again (revocation delay elsewhere). */
const TOKEN_CACHE_MS = 1000;
const TOKEN_CACHE_MAX = 10_000;

/** Who is calling: the operator (admin token) or one app (app token). */
export type Principal = { kind: 'admin' } | { kind: 'app'; appId: string; tokenId: string; readOnly?: boolean; portal?: boolean };
export const ADMIN: Principal = { kind: 'admin' };

/** The app a principal is confined to, or null for the admin. */
export function scopeOf(principal: Principal): string | null {
  return principal.kind === 'app' ? principal.appId : null;
}

/** Marks a route that needs no token (health checks). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** Marks a route only the admin token may call: an app token gets 403. */
export const AdminOnly = () => SetMetadata(ADMIN_ONLY, true);

/** Marks a POST that changes nothing (a preview), so a read-only token may call it. */
export const ReadOnlySafe = () => SetMetadata(READ_ONLY_SAFE, true);

/** Whether a principal may only read (a read-only portal session). */
export function isReadOnly(principal: Principal): boolean {
  return principal.kind === 'app' && principal.readOnly === true;
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Refuses a write (403) to a read-only session; routes outside the AuthGuard call it themselves. */
export function assertMayWrite(principal: Principal): void {
  if (isReadOnly(principal)) throw new ProblemException(HttpStatus.FORBIDDEN, 'read_only', 'this session is read-only');
}

/** The caller of the current request, as the guard authenticated it. */
export const Caller = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const { principal } = context.switchToHttp().getRequest<Request & { principal?: Principal }>();
  // Fails closed: a route that forgot auth must not act as the admin.
  if (!principal) throw new ProblemException(HttpStatus.UNAUTHORIZED, 'unauthorized', 'a valid bearer token is required');
  return principal;
});

/** The stored form of an app token: its SHA-256, hex. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A new app token: `hrld_` and 32 random bytes. */
export function newAppToken(): string {
  return `${APP_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** The bearer token of a request, or null. */
export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match ? match[1] : null;
}

/**
 * Turns a token into a principal. App tokens are looked up by their hash (the table holds no
 * token); a verified one is trusted for a second, so a revoked token stops working within a
 * second everywhere and at once in the process that revoked it.
 */
@Injectable()
export class Authenticator {
  private readonly cache = new Map<string, { principal: Principal; until: number; expiresAt: number }>();
  private readonly adminDigest: Buffer;

  constructor(
    @Inject(HERALD_CONFIG) config: HeraldConfig,
    private readonly tokens: AppTokenRepository,
  ) {
    this.adminDigest = createHash('sha256').update(config.adminToken).digest();
  }

  async authenticate(token: string | null | undefined): Promise<Principal | null> {
    if (!token || token.length > 512) return null;
    // One SHA-256 per request: compared with the admin token's (in constant time), then the app tokens' lookup key.
    const digest = createHash('sha256').update(token).digest();
    if (timingSafeEqual(digest, this.adminDigest)) return ADMIN;
    // Only something shaped like a token Herald issued costs a database lookup.
    if (!APP_TOKEN_SHAPE.test(token)) return null;
    const hash = digest.toString('hex');
    const now = Date.now();
    const cached = this.cache.get(hash);
    if (cached && cached.until > now && cached.expiresAt > now) return cached.principal;
    const row = await this.tokens.findLive(hash);
    if (!row) {
      this.cache.delete(hash);
      return null;
    }
    const principal: Principal = { kind: 'app', appId: row.appId, tokenId: row.id, readOnly: row.readOnly, portal: row.kind === 'portal' };
    if (this.cache.size >= TOKEN_CACHE_MAX) this.cache.clear();
    this.cache.set(hash, { principal, until: now + TOKEN_CACHE_MS, expiresAt: row.expiresAt?.getTime() ?? Infinity });
    return principal;
  }

  /** Drops a revoked token from this process's cache. */
  forget(tokenId: string): void {
    for (const [hash, entry] of this.cache) {
      if (entry.principal.kind === 'app' && entry.principal.tokenId === tokenId) this.cache.delete(hash);
    }
  }
}

/**
 * Every route needs `Authorization: Bearer <token>` unless marked @Public(): the admin token,
 * or an app token (whose app scoping the services enforce; @AdminOnly() routes refuse it).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<Request & { principal?: Principal }>();
    const principal = await this.authenticator.authenticate(bearerToken(request.headers.authorization));
    if (!principal) throw new ProblemException(HttpStatus.UNAUTHORIZED, 'unauthorized', 'a valid bearer token is required');
    if (principal.kind === 'app' && this.reflector.getAllAndOverride<boolean>(ADMIN_ONLY, targets)) {
      throw new ProblemException(HttpStatus.FORBIDDEN, 'forbidden', 'this route needs the admin token');
    }
    // Enforced here, for every app, whatever the page shows: a read-only session changes nothing.
    if (!READ_METHODS.has(request.method) && !this.reflector.getAllAndOverride<boolean>(READ_ONLY_SAFE, targets)) assertMayWrite(principal);
    request.principal = principal;
    return true;
  }
}
