import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { EventMessage, IdPrefix, newId } from '@herald/contracts';
import { NatsService } from '@herald/messaging';
import { HeraldMetrics, inSpan, requestContext, SpanKind } from '@herald/telemetry';
import { ProblemException } from '@herald/platform';
import { PublishEventDto } from './dto/publish-event.dto';

export interface PublishResult {
  id: string;
  eventType: string;
  occurredAt: string;
  createdAt: string;
  duplicate: boolean;
}

/** Appends events to HERALD_EVENTS; a result means JetStream has stored the event. */
@Injectable()
export class EventsService {
  private readonly logger = new Logger(EventsService.name);

  constructor(
    private readonly nats: NatsService,
    private readonly metrics: HeraldMetrics,
  ) {}

  /** Publishes in a span continuing the caller's trace (headers carry `traceparent`). */
  publish(
    appId: string,
    dto: PublishEventDto,
    idempotencyKey?: string,
    headers: Record<string, string | string[] | undefined> = {},
  ): Promise<PublishResult> {
    return inSpan(
      'herald.ingest.publish',
      {
        kind: SpanKind.PRODUCER,
        parent: requestContext(headers),
        attributes: { 'herald.app_id': appId, 'herald.event_type': dto.eventType },
      },
      () => this.store(appId, dto, idempotencyKey),
    );
  }

  private async store(appId: string, dto: PublishEventDto, idempotencyKey?: string): Promise<PublishResult> {
    const createdAt = new Date().toISOString();
    const event: EventMessage = {
      id: dto.id ?? idempotencyKey ?? newId(IdPrefix.event),
      appId,
      eventType: dto.eventType,
      payload: dto.payload,
      channels: dto.channels ?? null,
      occurredAt: dto.occurredAt ? new Date(dto.occurredAt).toISOString() : createdAt,
      createdAt,
    };
    try {
      const ack = await this.nats.publishJson(this.nats.names.event(appId, event.eventType), event, { msgId: event.id });
      this.metrics.eventsIngested.inc({ app_id: appId, event_type: event.eventType, duplicate: String(ack.duplicate) });
      return { id: event.id, eventType: event.eventType, occurredAt: event.occurredAt, createdAt, duplicate: ack.duplicate };
    } catch (error) {
      this.logger.warn(`JetStream did not store event ${event.id}: ${(error as Error).message}`);
      throw new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, 'unavailable', 'the event store is unavailable; retry later');
    }
  }
}
