import { IsDateTime, OptionalField } from '@herald/platform';
import { IsIn, IsObject, IsString, Matches, MaxLength } from 'class-validator';
import { EVENT_TYPE_MAX_LENGTH, EVENT_TYPE_PATTERN } from '@herald/contracts';

export class ReplayDto {
  @IsDateTime()
  since: string;

  @OptionalField()
  @IsDateTime()
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
  @IsDateTime()
  since?: string;
}
