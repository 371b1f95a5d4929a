import { IsDateTime, IsEventType, OptionalField } from '@herald/platform';
import { IsBoolean, IsIn, IsObject, IsString, MaxLength } from 'class-validator';
import { UpdateEndpointDto } from './endpoint.dto';

export class ReplayDto {
  @IsDateTime()
  since: string;

  @OptionalField()
  @IsDateTime()
  until?: string;

  @OptionalField()
  @IsIn(['failed', 'all'])
  status?: 'failed' | 'all';

  /** Only count what would be sent again (202 `{count}`), sending nothing. */
  @OptionalField()
  @IsBoolean()
  dryRun?: boolean;
}

export class TestEventDto {
  @OptionalField()
  @IsEventType('eventType')
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

/**
 * An endpoint's settings (any subset, as in PATCH) over those of `endpointId` or the defaults,
 * and the sample event to build its request for.
 */
export class EndpointPreviewDto extends UpdateEndpointDto {
  /** An existing endpoint of the app whose settings (and secret) the others override. */
  @OptionalField()
  @IsString()
  @MaxLength(64)
  endpointId?: string;

  /** The sample event's type (default `webhook.test`); its catalog example is the default payload. */
  @OptionalField()
  @IsEventType('eventType')
  eventType?: string;

  @OptionalField()
  @IsObject({ message: 'payload must be a JSON object' })
  payload?: Record<string, unknown>;
}

export class TimeseriesQueryDto {
  /** Start of the window (default: one hour ago). */
  @OptionalField()
  @IsDateTime()
  since?: string;

  /** End of the window (default: now). */
  @OptionalField()
  @IsDateTime()
  until?: string;

  /** Bucket width in seconds. */
  @OptionalField()
  @IsIn(['60', '300', '900', '3600'], { message: 'bucket must be one of 60, 300, 900 or 3600 (seconds)' })
  bucket?: '60' | '300' | '900' | '3600';

  /** Only this endpoint's attempts. */
  @OptionalField()
  @IsString()
  @MaxLength(64)
  endpointId?: string;
}
