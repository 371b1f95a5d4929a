import { Injectable } from '@nestjs/common';
import type { Metadata } from '@grpc/grpc-js';
import { definedFields, fromStruct, grpcStatusOf, metadataHeaders, Principal, Rpc, Struct, validateDto } from '@herald/platform';
import { AppDirectory } from '../apps/app-directory';
import { PublishBatchDto } from './dto/publish-batch.dto';
import { PublishEventDto } from './dto/publish-event.dto';
import { BatchItem, EventsService } from './events.service';
import { IngestRateLimiter } from './ingest-rate-limiter';

/** An event as herald.v1.PublishRequest and BatchEvent carry it. */
interface EventFields {
  eventType?: string;
  payload?: Struct;
  id?: string;
  channels?: string[];
  occurredAt?: string;
}

/** herald.v1.IngestService: the same steps as EventsController (validate, resolve the app, rate-limit, publish). */
@Injectable()
export class EventsGrpc {
  constructor(
    private readonly apps: AppDirectory,
    private readonly events: EventsService,
    private readonly limiter: IngestRateLimiter,
  ) {}

  @Rpc('Publish')
  async publish({ appId = '', ...event }: EventFields & { appId?: string }, caller: Principal, metadata: Metadata) {
    const dto = validateDto(PublishEventDto, eventBody(event));
    const id = await this.apps.resolve(appId, caller);
    this.limiter.enforce(id, 1);
    return this.events.publish(id, dto, { headers: metadataHeaders(metadata) });
  }

  @Rpc('PublishBatch')
  async publishBatch({ appId = '', events = [] }: { appId?: string; events?: EventFields[] }, caller: Principal, metadata: Metadata) {
    const dto = validateDto(PublishBatchDto, { events: events.map(eventBody) });
    const id = await this.apps.resolve(appId, caller);
    this.limiter.enforce(id, dto.events.length);
    const items = await this.events.publishBatch(id, dto.events, { headers: metadataHeaders(metadata) });
    return { results: items.map(batchResult) };
  }
}

/** The REST body of an event: the payload Struct as its JSON object. */
function eventBody({ payload, ...fields }: EventFields): Record<string, unknown> {
  return definedFields({ ...fields, payload: fromStruct(payload) });
}

function batchResult(item: BatchItem) {
  if (!('error' in item)) return { published: item };
  const { status, ...problem } = item.error;
  return { error: { code: grpcStatusOf(status), httpStatus: status, ...problem } };
}
