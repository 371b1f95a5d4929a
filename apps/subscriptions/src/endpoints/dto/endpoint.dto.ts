import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsString,
  IsUrl,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  Validate,
} from 'class-validator';
import {
  EndpointBatch,
  EndpointBody,
  EndpointSignature,
  EndpointType,
  ENDPOINT_TYPES,
  EVENT_TYPE_FILTER_PATTERN,
  CALLER_KEY_PATTERN,
  CALLER_KEY_RULE,
} from '@herald/contracts';
import { PageQueryDto, OptionalField } from '@herald/platform';
import { IsStringMap } from '../../common/string-map.validator';
import { IsBatchSettings, IsBodyFormat, IsIdHeader, IsRequestHeaders, IsSignatureScheme } from './endpoint.validators';

const URL_OPTIONS = { protocols: ['http', 'https'], require_protocol: true, require_tld: false, allow_underscores: true };

/** Every endpoint field but `url`; PATCH takes any subset. */
class EndpointFieldsDto {
  /** A short name for people (the Telegram panel's webhooks have one); null removes it. */
  @OptionalField({ nullable: true })
  @IsString()
  @Length(1, 200)
  name?: string | null;

  @OptionalField()
  @IsString()
  @MaxLength(1024)
  description?: string;

  @OptionalField()
  @IsObject()
  @Validate(IsStringMap)
  metadata?: Record<string, string>;

  @OptionalField()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(130, { each: true })
  @Matches(EVENT_TYPE_FILTER_PATTERN, { each: true, message: 'each value in eventTypes must be an event type, "prefix.*" or "*"' })
  eventTypes?: string[];

  @OptionalField({ nullable: true })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  @IsString({ each: true })
  @Matches(CALLER_KEY_PATTERN, { each: true, message: `each channel must be ${CALLER_KEY_RULE}` })
  channels?: string[] | null;

  @OptionalField()
  @IsBoolean()
  disabled?: boolean;

  @OptionalField()
  @IsObject()
  @Validate(IsRequestHeaders)
  headers?: Record<string, string>;

  /** `whsec_…` for the standard scheme (checked with the scheme), any 8–256 characters otherwise. */
  @OptionalField()
  @IsString()
  @Length(8, 256)
  secret?: string;

  /** `relay`: deliveries go to a connected `herald listen` over the realtime gateway, not to `url`. */
  @OptionalField()
  @IsIn(ENDPOINT_TYPES)
  type?: EndpointType;

  @OptionalField()
  @IsObject()
  @Validate(IsSignatureScheme)
  signature?: EndpointSignature;

  @OptionalField()
  @IsObject()
  @Validate(IsBodyFormat)
  body?: EndpointBody;

  @OptionalField({ nullable: true })
  @IsObject()
  @Validate(IsBatchSettings)
  batch?: EndpointBatch | null;

  @OptionalField({ nullable: true })
  @IsInt()
  @Min(1)
  @Max(10000)
  rateLimit?: number | null;

  @OptionalField()
  @IsInt()
  @Min(1)
  @Max(256)
  maxConcurrency?: number;

  @OptionalField()
  @IsInt()
  @Min(1000)
  @Max(30000)
  timeoutMs?: number;

  @OptionalField()
  @IsArray()
  @ArrayMinSize(0)
  @ArrayMaxSize(20)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(7 * 24 * 3600, { each: true })
  retrySchedule?: number[];

  /** Each retry waits its scheduled delay × (1 ± up to this); 0 = exactly the schedule. */
  @OptionalField()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(0.5)
  retryJitter?: number;

  /** Disable the endpoint (reason "exhausted") when one of its deliveries exhausts its schedule. */
  @OptionalField()
  @IsBoolean()
  disableOnExhaustion?: boolean;

  /** A header carrying the event id (batch id for a batch), for schemes that send no `webhook-id`; null removes it. */
  @OptionalField({ nullable: true })
  @IsString()
  @Validate(IsIdHeader)
  idHeader?: string | null;
}

export class CreateEndpointDto extends EndpointFieldsDto {
  @IsString()
  @MaxLength(2048)
  @IsUrl(URL_OPTIONS, { message: 'url must be an http(s) URL' })
  url: string;
}

export class UpdateEndpointDto extends EndpointFieldsDto {
  @OptionalField()
  @IsString()
  @MaxLength(2048)
  @IsUrl(URL_OPTIONS, { message: 'url must be an http(s) URL' })
  url?: string;
}

export class ListEndpointsQueryDto extends PageQueryDto {
  @OptionalField()
  @IsString()
  @MaxLength(130)
  eventType?: string;

  @OptionalField()
  @Matches(/^(true|false)$/, { message: 'disabled must be true or false' })
  disabled?: 'true' | 'false';
}

export class RotateSecretDto {
  /** The new secret; generated when absent. */
  @OptionalField()
  @IsString()
  @Length(8, 256)
  secret?: string;

  /** How long the old secret keeps signing too (standard scheme only). */
  @OptionalField()
  @IsInt()
  @Min(0)
  @Max(7 * 24 * 3600)
  gracePeriodSeconds?: number;
}
