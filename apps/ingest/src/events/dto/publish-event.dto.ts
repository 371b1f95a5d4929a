import { IsDateTime, OptionalField } from '@herald/platform';
import { ArrayMaxSize, IsArray, IsObject, IsString, Matches, MaxLength } from 'class-validator';
import { EVENT_TYPE_MAX_LENGTH, EVENT_TYPE_PATTERN, CALLER_KEY_PATTERN, CALLER_KEY_RULE } from '@herald/contracts';

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
  @Matches(CALLER_KEY_PATTERN, { message: `id must be ${CALLER_KEY_RULE}` })
  id?: string;

  @OptionalField()
  @IsArray()
  @ArrayMaxSize(10)
  @IsString({ each: true })
  @Matches(CALLER_KEY_PATTERN, { each: true, message: `each channel must be ${CALLER_KEY_RULE}` })
  channels?: string[];

  @OptionalField()
  @IsDateTime()
  occurredAt?: string;
}
