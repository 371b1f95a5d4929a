import { ArrayMaxSize, ArrayMinSize, IsArray } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';

/** The most events one batch may carry. */
export const MAX_BATCH_EVENTS = 500;

/** The largest batch request: 500 events, each within HERALD_MAX_PAYLOAD_BYTES (checked one by one). */
export const MAX_BATCH_BYTES = 16 * 1024 * 1024;

/** `{events: [...]}`: each element is validated on its own, so one bad event does not sink the batch. */
export class PublishBatchDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH_EVENTS)
  @JSONSchema({ items: { $ref: '#/components/schemas/PublishEventDto' } })
  events: unknown[];
}
