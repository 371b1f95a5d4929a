import { OptionalField } from '@herald/platform';
import { ArrayMaxSize, IsArray, IsISO8601, IsObject, IsString, Matches, MaxLength } from 'class-validator';
import { EVENT_TYPE_MAX_LENGTH, EVENT_TYPE_PATTERN } from '@herald/contracts';

export class PublishEventDto {
  @IsString()
  @MaxLength(EVENT_TYPE_MAX_LENGTH)
  @Matches(EVENT_TYPE_PATTERN, { message: 'eventType must be dot-separated segments of [A-Za-z0-9_-]' })
  eventType: string;

  @IsObject({ message: 'payload must be a JSON object' })
  payload: Record<string, unknown>;

  /** Caller-chosen id: a repeat with the same id is a duplicate and delivers nothing again. */
  @OptionalField()
  @IsString()
  @Matches(/^[A-Za-z0-9_.:-]{1,128}$/, { message: 'id must be 1-128 of [A-Za-z0-9_.:-]' })
  id?: string;

  @OptionalField()
  @IsArray()
  @ArrayMaxSize(10)
  @IsString({ each: true })
  @Matches(/^[A-Za-z0-9_.:-]{1,128}$/, { each: true, message: 'each channel must be 1-128 of [A-Za-z0-9_.:-]' })
  channels?: string[];

  @OptionalField()
  @IsISO8601({ strict: true }, { message: 'occurredAt must be an ISO 8601 date-time' })
  occurredAt?: string;
}
