import { IsIn, IsString, Matches, MaxLength } from 'class-validator';
import { EVENT_TYPE_MAX_LENGTH, EVENT_TYPE_PATTERN } from '@herald/contracts';
import { IsDateTime, PageQueryDto, OptionalField } from '@herald/platform';

export class ListDeliveriesQueryDto extends PageQueryDto {
  @OptionalField()
  @IsString()
  @MaxLength(64)
  endpointId?: string;

  @OptionalField()
  @IsString()
  @MaxLength(128)
  eventId?: string;

  @OptionalField()
  @IsIn(['pending', 'succeeded', 'failed'])
  status?: 'pending' | 'succeeded' | 'failed';

  @OptionalField()
  @IsString()
  @MaxLength(EVENT_TYPE_MAX_LENGTH)
  @Matches(EVENT_TYPE_PATTERN, { message: 'eventType must be dot-separated segments of [A-Za-z0-9_-]' })
  eventType?: string;

  /** Deliveries created at or after this time. */
  @OptionalField()
  @IsDateTime()
  since?: string;

  /** Deliveries created before this time. */
  @OptionalField()
  @IsDateTime()
  until?: string;
}
