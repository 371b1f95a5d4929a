import { ArrayMaxSize, ArrayMinSize, IsArray, IsString, IsUrl, Length, Matches, MaxLength } from 'class-validator';
import { EVENT_TYPE_FILTER_PATTERN } from '@herald/contracts';
import { IsEventType, OptionalField } from '@herald/platform';

const URL_OPTIONS = { protocols: ['http', 'https'], require_protocol: true, require_tld: false, allow_underscores: true };

/** `POST /webhooks` of VideoCloud's webhook guide. */
export class VideoCloudCreateDto {
  @IsString()
  @MaxLength(2048)
  @IsUrl(URL_OPTIONS, { message: 'url must be an http(s) URL' })
  url: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(130, { each: true })
  @Matches(EVENT_TYPE_FILTER_PATTERN, { each: true, message: 'each value in events must be an event type, "prefix.*" or "*"' })
  events: string[];

  /** The HMAC key of X-VideoCloud-Signature; generated when absent. */
  @OptionalField()
  @IsString()
  @Length(8, 256)
  secret?: string;
}

/** `PUT /webhooks/{id}`: any of the fields. */
export class VideoCloudUpdateDto {
  @OptionalField()
  @IsString()
  @MaxLength(2048)
  @IsUrl(URL_OPTIONS, { message: 'url must be an http(s) URL' })
  url?: string;

  @OptionalField()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(130, { each: true })
  @Matches(EVENT_TYPE_FILTER_PATTERN, { each: true, message: 'each value in events must be an event type, "prefix.*" or "*"' })
  events?: string[];

  @OptionalField()
  @IsString()
  @Length(8, 256)
  secret?: string;
}

/** `POST /webhooks/{id}/test`. */
export class VideoCloudTestDto {
  @OptionalField()
  @IsEventType('event')
  event?: string;
}
