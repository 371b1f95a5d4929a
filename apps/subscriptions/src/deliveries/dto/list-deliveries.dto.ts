import { IsIn, IsString, MaxLength } from 'class-validator';
import { PageQueryDto, OptionalField } from '@herald/platform';

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
}
