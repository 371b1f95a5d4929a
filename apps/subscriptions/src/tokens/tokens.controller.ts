import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { hasIdShape, IdPrefix, newId } from '@herald/contracts';
import { AppTokenEntity, AppTokenRepository } from '@herald/persistence';
import { ADMIN, AdminOnly, Authenticator, listBody, NotFoundProblem, PageQueryDto, OptionalField } from '@herald/platform';
import { IsInt, IsString, Max, MaxLength, Min } from 'class-validator';
import { newAppToken, hashToken } from '@herald/platform';
import { AppsService } from '../apps/apps.service';

export class CreateTokenDto {
  @OptionalField()
  @IsString()
  @MaxLength(256)
  description?: string;

  /** Lifetime; without it the token lives until deleted. */
  @OptionalField()
  @IsInt()
  @Min(60)
  @Max(10 * 365 * 86400)
  expiresInSeconds?: number;
}

function presentToken(token: AppTokenEntity) {
  return {
    id: token.id,
    appId: token.appId,
    description: token.description,
    expiresAt: token.expiresAt,
    createdAt: token.createdAt,
  };
}

/** App tokens: created and revoked by the admin; the token itself is shown once, only its hash is kept. */
@Controller('v1/apps/:appId/tokens')
@AdminOnly()
export class TokensController {
  constructor(
    private readonly apps: AppsService,
    private readonly tokens: AppTokenRepository,
    private readonly authenticator: Authenticator,
  ) {}

  @Post()
  async create(@Param('appId') appKey: string, @Body() dto: CreateTokenDto) {
    const app = await this.apps.get(appKey, ADMIN); // @AdminOnly()
    const secret = newAppToken();
    const now = new Date();
    const token = await this.tokens.insert(
      Object.assign(new AppTokenEntity(), {
        id: newId(IdPrefix.token),
        appId: app.id,
        tokenHash: hashToken(secret),
        description: dto.description ?? '',
        expiresAt: dto.expiresInSeconds ? new Date(now.getTime() + dto.expiresInSeconds * 1000) : null,
        createdAt: now,
      }),
    );
    return { ...presentToken(token), token: secret };
  }

  @Get()
  async list(@Param('appId') appKey: string, @Query() page: PageQueryDto) {
    const app = await this.apps.get(appKey, ADMIN); // @AdminOnly()
    const result = await this.tokens.list(app.id, page);
    return listBody(result, presentToken);
  }

  @Delete(':tokenId')
  @HttpCode(204)
  async delete(@Param('appId') appKey: string, @Param('tokenId') id: string): Promise<void> {
    const app = await this.apps.get(appKey, ADMIN); // @AdminOnly()
    if (!hasIdShape(IdPrefix.token, id) || !(await this.tokens.delete(app.id, id))) throw new NotFoundProblem('token');
    this.authenticator.forget(id);
  }
}
