import { Body, Controller, Inject, Param, Post, Req } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { IdPrefix, newId } from '@herald/contracts';
import { AppTokenEntity, AppTokenRepository } from '@herald/persistence';
import { ADMIN, AdminOnly, hashToken, newAppToken, OptionalField } from '@herald/platform';
import { IsBoolean, IsInt, Max, Min } from 'class-validator';
import type { Request } from 'express';
import { AppsService } from '../apps/apps.service';

export const PORTAL_SESSION_DEFAULT_SECONDS = 3600;
export const PORTAL_SESSION_MAX_SECONDS = 86_400;

export class CreatePortalSessionDto {
  /** Lifetime of the session's token (60–86,400 s, default 3,600). */
  @OptionalField()
  @IsInt()
  @Min(60)
  @Max(PORTAL_SESSION_MAX_SECONDS)
  expiresInSeconds?: number;

  /** A read-only session reads everything in its app and changes nothing (every write is 403). */
  @OptionalField()
  @IsBoolean()
  readOnly?: boolean;
}

/**
 * Portal sessions: a short-lived app token and the link that opens the console's app pages
 * with it (the token in the fragment, which browsers never send to a server or a log).
 */
@Controller('v1/apps/:appId/portal-sessions')
@AdminOnly()
export class PortalSessionsController {
  constructor(
    private readonly apps: AppsService,
    private readonly tokens: AppTokenRepository,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
  ) {}

  @Post()
  async create(@Param('appId') appKey: string, @Body() dto: CreatePortalSessionDto, @Req() request: Request) {
    const app = await this.apps.get(appKey, ADMIN); // @AdminOnly()
    const token = newAppToken();
    const now = Date.now();
    const readOnly = dto.readOnly ?? false;
    const expiresAt = new Date(now + (dto.expiresInSeconds ?? PORTAL_SESSION_DEFAULT_SECONDS) * 1000);
    await this.tokens.insert(
      Object.assign(new AppTokenEntity(), {
        id: newId(IdPrefix.token),
        appId: app.id,
        tokenHash: hashToken(token),
        description: readOnly ? 'portal session (read-only)' : 'portal session',
        expiresAt,
        createdAt: new Date(now),
        kind: 'portal',
        readOnly,
      }),
    );
    const base = this.config.console.publicUrl ?? `${request.protocol}://${request.get('host') ?? '127.0.0.1'}`;
    return { url: `${base}/console/portal#token=${token}`, token, expiresAt, appId: app.id, readOnly };
  }
}
