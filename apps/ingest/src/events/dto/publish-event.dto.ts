import { IsDateTime, isDateTime, IsEventType, OptionalField } from '@herald/platform';
import { ArrayMaxSize, IsArray, IsObject, IsString, Matches } from 'class-validator';
import { EVENT_TYPE_MAX_LENGTH, EVENT_TYPE_PATTERN, CALLER_KEY_PATTERN, CALLER_KEY_RULE } from '@herald/contracts';

export class PublishEventDto {
  @IsEventType('eventType')
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

const FIELDS = new Set(['eventType', 'payload', 'id', 'channels', 'occurredAt']);
const isCallerKey = (value: unknown) => typeof value === 'string' && CALLER_KEY_PATTERN.test(value);

/**
 * The body as a PublishEventDto when it plainly passes every rule above, else null (then the
 * class-validator path runs and names what is wrong). Single events are ingest's hot path, and
 * class-validator with class-transformer was a tenth of its CPU there; a test holds this to
 * agree with them.
 */
export function plainPublishEvent(body: Record<string, unknown>): PublishEventDto | null {
  for (const key in body) if (!FIELDS.has(key)) return null;
  const { eventType, payload, id, channels, occurredAt } = body;
  if (typeof eventType !== 'string' || eventType.length > EVENT_TYPE_MAX_LENGTH || !EVENT_TYPE_PATTERN.test(eventType)) return null;
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return null;
  if (id !== undefined && !isCallerKey(id)) return null;
  if (channels !== undefined && !(Array.isArray(channels) && channels.length <= 10 && channels.every(isCallerKey))) return null;
  if (occurredAt !== undefined && !isDateTime(occurredAt)) return null;
  return Object.assign(new PublishEventDto(), body);
}
