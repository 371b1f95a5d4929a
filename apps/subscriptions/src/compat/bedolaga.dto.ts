import { IsBoolean, IsIn, IsString, IsUrl, Length, Matches, MaxLength } from 'class-validator';
import { EVENT_TYPE_FILTER_PATTERN } from '@herald/contracts';
import { OptionalField } from '@herald/platform';
import { CompatPageQueryDto } from './compat-app';

const URL_OPTIONS = { protocols: ['http', 'https'], require_protocol: true, require_tld: false, allow_underscores: true };
const EVENT_TYPE_MESSAGE = 'event_type must be an event type (e.g. user.created), "prefix.*" or "*"';

/** `POST /webhooks` of the Telegram bot panel. */
export class BedolagaCreateDto {
  @IsString()
  @Length(1, 200)
  name: string;

  @IsString()
  @MaxLength(2048)
  @IsUrl(URL_OPTIONS, { message: 'url must be an http(s) URL' })
  url: string;

  @IsString()
  @MaxLength(130)
  @Matches(EVENT_TYPE_FILTER_PATTERN, { message: EVENT_TYPE_MESSAGE })
  event_type: string;

  /** Signs X-Webhook-Signature when set; no signature without one. */
  @OptionalField({ nullable: true })
  @IsString()
  @Length(8, 256)
  secret?: string | null;

  @OptionalField({ nullable: true })
  @IsString()
  @MaxLength(1024)
  description?: string | null;
}

/** `PATCH /webhooks/{id}`: any of the fields, and `is_active`. */
export class BedolagaUpdateDto {
  @OptionalField()
  @IsString()
  @Length(1, 200)
  name?: string;

  @OptionalField()
  @IsString()
  @MaxLength(2048)
  @IsUrl(URL_OPTIONS, { message: 'url must be an http(s) URL' })
  url?: string;

  @OptionalField()
  @IsString()
  @MaxLength(130)
  @Matches(EVENT_TYPE_FILTER_PATTERN, { message: EVENT_TYPE_MESSAGE })
  event_type?: string;

  /** `null` removes the secret (and the signature). */
  @OptionalField({ nullable: true })
  @IsString()
  @Length(8, 256)
  secret?: string | null;

  @OptionalField({ nullable: true })
  @IsString()
  @MaxLength(1024)
  description?: string | null;

  @OptionalField()
  @IsBoolean()
  is_active?: boolean;
}

/** `GET /webhooks?event_type=&is_active=&limit=&offset=`. */
export class BedolagaListQueryDto extends CompatPageQueryDto {
  @OptionalField()
  @IsString()
  @MaxLength(130)
  event_type?: string;

  @OptionalField()
  @IsIn(['true', 'false'], { message: 'is_active must be true or false' })
  is_active?: 'true' | 'false';
}

/** `GET /webhooks/{id}/deliveries?status=&limit=&offset=`. */
export class BedolagaDeliveriesQueryDto extends CompatPageQueryDto {
  @OptionalField()
  @IsIn(['pending', 'success', 'failed'], { message: 'status must be pending, success or failed' })
  status?: 'pending' | 'success' | 'failed';
}
