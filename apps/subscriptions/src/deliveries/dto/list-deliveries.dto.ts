import { IsIn, IsString, MaxLength } from 'class-validator';
import { IsDateTime, IsEventType, PageQueryDto, OptionalField } from '@herald/platform';

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
  @IsEventType('eventType')
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
