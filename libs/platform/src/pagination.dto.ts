import { OptionalField } from './validation';
import { Type } from 'class-transformer';
import { IsInt, IsString, Max, MaxLength, Min } from 'class-validator';

/** `?limit=` (1–250, default 50) and `?cursor=` of every list route. */
export class PageQueryDto {
  @OptionalField()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(250)
  limit: number = 50;

  @OptionalField()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}
