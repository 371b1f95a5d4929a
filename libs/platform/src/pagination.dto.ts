import { OptionalField } from './validation';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsInt, IsString, Max, MaxLength, Min } from 'class-validator';

/** `?limit=` (1–250, default 50), `?cursor=` and `?withTotal=true` of every list route. */
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

  /** `true`: the answer also has `total`, how many items the filters match in all. */
  @OptionalField()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'withTotal must be true or false' })
  withTotal?: boolean;
}

/** `{data, nextCursor}` and, when asked for, `total`: the body of every list route. */
export function listBody<T, U>(page: { data: T[]; nextCursor: string | null; total?: number }, present: (item: T) => U) {
  return { data: page.data.map(present), nextCursor: page.nextCursor, ...(page.total === undefined ? {} : { total: page.total }) };
}
