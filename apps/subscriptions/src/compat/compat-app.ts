import { Type } from 'class-transformer';
import { IsInt, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { AppEntity } from '@herald/persistence';
import { OptionalField, Principal, ValidationProblem } from '@herald/platform';
import { AppsService } from '../apps/apps.service';

/** `?app=`: the app a compatibility route acts in, for the admin token (an app token implies its app). */
export class CompatAppQueryDto {
  @OptionalField()
  @IsString()
  @MaxLength(128)
  @Matches(/^[A-Za-z0-9_.-]+$/, { message: 'app must be an app id or uid' })
  app?: string;
}

/** `?limit=&offset=` (and `?app=`): the offset paging both products' panels use. */
export class CompatPageQueryDto extends CompatAppQueryDto {
  @OptionalField()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(250)
  limit: number = 50;

  @OptionalField()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(100_000)
  offset: number = 0;
}

/**
 * The app a compatibility API call acts in: an app token's own app (a `?app=` naming another
 * is 404, as everywhere), or for the admin token the app named by `?app=` (required).
 */
export async function compatApp(apps: AppsService, caller: Principal, app: string | undefined): Promise<AppEntity> {
  if (caller.kind === 'app') return apps.get(app ?? caller.appId, caller);
  if (!app) throw new ValidationProblem([{ field: 'app', message: 'the admin token must name the app: ?app=<app id or uid>' }]);
  return apps.get(app, caller);
}
