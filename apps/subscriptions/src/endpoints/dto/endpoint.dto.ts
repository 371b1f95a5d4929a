import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  Validate,
  ValidateIf,
} from 'class-validator';
import { EndpointBatch, EndpointBody, EndpointSignature, EndpointType, EVENT_TYPE_FILTER_PATTERN } from '@herald/contracts';
import { PageQueryDto } from '@herald/platform';
import { IsStringMap } from '../../common/string-map.validator';
import { IsBatchSettings, IsBodyFormat, IsRequestHeaders, IsSignatureScheme } from './endpoint.validators';

const URL_OPTIONS = { protocols: ['http', 'https'], require_protocol: true, require_tld: false, allow_underscores: true };

/** Every endpoint field but `url`; PATCH takes any subset. */
class EndpointFieldsDto {
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  description?: string;

  @IsOptional()
  @IsObject()
  @Validate(IsStringMap)
  metadata?: Record<string, string>;

  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(130, { each: true })
  @Matches(EVENT_TYPE_FILTER_PATTERN, { each: true, message: 'each value in eventTypes must be an event type, "prefix.*" or "*"' })
  eventTypes?: string[];

  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  @IsString({ each: true })
  @Matches(/^[A-Za-z0-9_.:-]{1,128}$/, { each: true, message: 'each channel must be 1-128 of [A-Za-z0-9_.:-]' })
  channels?: string[] | null;

  @IsOptional()
  @IsBoolean()
  disabled?: boolean;

  @IsOptional()
  @IsObject()
  @Validate(IsRequestHeaders)
  headers?: Record<string, string>;

  /** `whsec_…` for the standard scheme (checked with the scheme), any 16–256 characters otherwise. */
  @IsOptional()
  @IsString()
  @Length(16, 256)
  secret?: string;

  @IsOptional()
  @IsIn(['webhook', 'discord', 'slack'])
  type?: EndpointType;

  @IsOptional()
  @IsObject()
  @Validate(IsSignatureScheme)
  signature?: EndpointSignature;

  @IsOptional()
  @IsObject()
  @Validate(IsBodyFormat)
  body?: EndpointBody;

  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsObject()
  @Validate(IsBatchSettings)
  batch?: EndpointBatch | null;

  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsInt()
  @Min(1)
  @Max(10000)
  rateLimit?: number | null;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(256)
  maxConcurrency?: number;

  @IsOptional()
  @IsInt()
  @Min(1000)
  @Max(30000)
  timeoutMs?: number;

  @IsOptional()
  @IsArray()
  @ArrayMinSize(0)
  @ArrayMaxSize(20)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(7 * 24 * 3600, { each: true })
  retrySchedule?: number[];
}

export class CreateEndpointDto extends EndpointFieldsDto {
  @IsString()
  @MaxLength(2048)
  @IsUrl(URL_OPTIONS, { message: 'url must be an http(s) URL' })
  url: string;
}

export class UpdateEndpointDto extends EndpointFieldsDto {
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  @IsUrl(URL_OPTIONS, { message: 'url must be an http(s) URL' })
  url?: string;
}

export class ListEndpointsQueryDto extends PageQueryDto {
  @IsOptional()
  @IsString()
  @MaxLength(130)
  eventType?: string;

  @IsOptional()
  @Matches(/^(true|false)$/, { message: 'disabled must be true or false' })
  disabled?: 'true' | 'false';
}

export class RotateSecretDto {
  /** The new secret; generated when absent. */
  @IsOptional()
  @IsString()
  @Length(16, 256)
  secret?: string;

  /** How long the old secret keeps signing too (standard scheme only). */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(7 * 24 * 3600)
  gracePeriodSeconds?: number;
}
