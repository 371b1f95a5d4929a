import { IsString, Matches, MaxLength } from 'class-validator';
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

/**
 * The app a compatibility API call acts in: an app token's own app (a `?app=` naming another
 * is 404, as everywhere), or for the admin token the app named by `?app=` (required).
 */
export async function compatApp(apps: AppsService, caller: Principal, app: string | undefined): Promise<AppEntity> {
  if (caller.kind === 'app') return apps.get(app ?? caller.appId, caller);
  if (!app) throw new ValidationProblem([{ field: 'app', message: 'the admin token must name the app: ?app=<app id or uid>' }]);
  return apps.get(app, caller);
}
