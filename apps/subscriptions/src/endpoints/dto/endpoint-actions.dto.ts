import { OptionalField } from '@herald/platform';
import { IsIn, IsISO8601, IsObject, IsString, Matches, MaxLength } from 'class-validator';
import { EVENT_TYPE_MAX_LENGTH, EVENT_TYPE_PATTERN } from '@herald/contracts';

export class ReplayDto {
  @IsISO8601({ strict: true }, { message: 'since must be an ISO 8601 date-time' })
  since: string;

  @OptionalField()
  @IsISO8601({ strict: true }, { message: 'until must be an ISO 8601 date-time' })
  until?: string;

  @OptionalField()
  @IsIn(['failed', 'all'])
  status?: 'failed' | 'all';
}

export class TestEventDto {
  @OptionalField()
  @IsString()
  @MaxLength(EVENT_TYPE_MAX_LENGTH)
  @Matches(EVENT_TYPE_PATTERN, { message: 'eventType must be dot-separated segments of [A-Za-z0-9_-]' })
  eventType?: string;

  @OptionalField()
  @IsObject({ message: 'payload must be a JSON object' })
  payload?: Record<string, unknown>;
}

export class StatsQueryDto {
  @OptionalField()
  @IsISO8601({ strict: true }, { message: 'since must be an ISO 8601 date-time' })
  since?: string;
}
