import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { CALLER_KEY_PATTERN, CALLER_KEY_RULE, EventMessage, IdPrefix, newId, OPERATIONAL_EVENT_PREFIX } from '@herald/contracts';
import { jsonWithRawField, NatsService } from '@herald/messaging';
import { Batcher, EventRepository, StoredEvent } from '@herald/persistence';
import { HeraldMetrics, inSpan, requestContext, SpanKind } from '@herald/telemetry';
import { FieldError, ProblemException, schemaViolations, validateDto, ValidationProblem } from '@herald/platform';
import { plainPublishEvent, PublishEventDto } from './dto/publish-event.dto';
import { EventTypeCatalog } from './event-type-catalog';

export interface PublishResult {
  id: string;
  eventType: string;
  occurredAt: string;
  createdAt: string;
  duplicate: boolean;
  /** Present (true) when the event type is deprecated: the event is still delivered. */
  deprecated?: true;
}

/** Why one event of a batch was refused: its problem, its fields prefixed with `events.<index>.`. */
export interface ItemError {
  status: number;
  detail: string;
  errors?: FieldError[];
}

/** One event's outcome in a batch. */
export type BatchItem = PublishResult | { error: ItemError };

export interface PublishOptions {
  idempotencyKey?: string;
  /**
   * The id to use when the caller gave none, the same for every retry of one request (NATS
   * intake derives it from the message, so a redelivery cannot create a second event).
   */
  fallbackId?: string;
  /** Incoming headers or metadata: `traceparent` continues the caller's trace. */
  headers?: Record<string, string | string[] | undefined>;
}

/**
 * The one way an event gets in, whatever the transport (HTTP, NATS intake, gRPC): validated,
 * checked against its type's schema, de-duplicated, then appended to HERALD_EVENTS. A result
 * means JetStream has stored the event.
 */
@Injectable()
export class EventsService {
  private readonly logger = new Logger(EventsService.name);
  /** Caller-chosen ids looked up together: one statement for every event of a few milliseconds. */
  private readonly stored: Batcher<{ appId: string; id: string }, StoredEvent | null>;

  constructor(
    private readonly nats: NatsService,
    private readonly metrics: HeraldMetrics,
    private readonly catalog: EventTypeCatalog,
    events: EventRepository,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
  ) {
    this.stored = new Batcher(
      async (keys) => {
        const found = await events.findStored(keys);
        return keys.map((key) => found.get(`${key.appId} ${key.id}`) ?? null);
      },
      500,
      1,
    );
  }

  /**
   * Validates `body` (a DTO the HTTP pipe checked after the input guard, or any decoded JSON,
   * which validateDto puts through the same guard) and publishes it.
   */
  async publish(appId: string, body: unknown, options: PublishOptions = {}): Promise<PublishResult> {
    const dto = body instanceof PublishEventDto ? body : validateDto(PublishEventDto, body, '', plainPublishEvent);
    return inSpan(
      'herald.ingest.publish',
      {
        kind: SpanKind.PRODUCER,
        parent: requestContext(options.headers ?? {}),
        attributes: { 'herald.app_id': appId, 'herald.event_type': dto.eventType },
      },
      () => this.accept(appId, dto, options.idempotencyKey, options.fallbackId),
    );
  }

  /** Publishes each event on its own, concurrently: one refused event gets an error and does not sink the others. */
  publishBatch(appId: string, events: unknown[], options: PublishOptions = {}): Promise<BatchItem[]> {
    const { headers } = options;
    return Promise.all(
      events.map(async (event, index) => {
        try {
          // Awaited here: publish() throws a validation problem synchronously.
          return await this.publish(appId, event, { headers });
        } catch (error) {
          return { error: itemError(error, index) };
        }
      }),
    );
  }

  private async accept(appId: string, dto: PublishEventDto, idempotencyKey?: string, fallbackId?: string): Promise<PublishResult> {
    // Serialized once: measured here, and sent as it is (see store).
    const payloadJson = JSON.stringify(dto.payload);
    if (Buffer.byteLength(payloadJson) > this.config.maxPayloadBytes) {
      throw new ProblemException(
        HttpStatus.PAYLOAD_TOO_LARGE,
        'payload-too-large',
        `payload exceeds ${this.config.maxPayloadBytes} bytes`,
        [{ field: 'payload', message: `must be at most ${this.config.maxPayloadBytes} bytes` }],
      );
    }
    if (dto.eventType.startsWith(OPERATIONAL_EVENT_PREFIX)) {
      throw new ValidationProblem(
        [
          {
            field: 'eventType',
            message: `event types starting with "${OPERATIONAL_EVENT_PREFIX}" are reserved for Herald's operational webhooks`,
          },
        ],
        HttpStatus.UNPROCESSABLE_ENTITY,
      );
    }
    const rules = await this.catalog.rules(dto.eventType);
    if (rules.validate && !rules.validate(dto.payload)) {
      throw new ValidationProblem(schemaViolations(rules.validate.errors), HttpStatus.UNPROCESSABLE_ENTITY);
    }
    const flag = rules.deprecated ? { deprecated: true as const } : {};
    if (idempotencyKey !== undefined && !CALLER_KEY_PATTERN.test(idempotencyKey)) {
      throw new ValidationProblem([{ field: 'Idempotency-Key', message: `must be ${CALLER_KEY_RULE}` }]);
    }
    const callerId = dto.id ?? idempotencyKey ?? fallbackId;
    if (callerId !== undefined) {
      // JetStream de-duplicates within its window; past it, the stored event answers.
      // If PostgreSQL is away, JetStream's window alone answers repeats.
      const first = await this.stored.add({ appId, id: callerId }).catch(() => null);
      if (first) {
        return {
          id: first.id,
          eventType: first.eventType,
          occurredAt: first.occurredAt.toISOString(),
          createdAt: first.createdAt.toISOString(),
          duplicate: true,
          ...flag,
        };
      }
    }
    return { ...(await this.store(appId, dto, payloadJson, callerId)), ...flag };
  }

  /** Appends the EventMessage (`payloadJson` is its payload, already serialized) to HERALD_EVENTS. */
  private async store(appId: string, dto: PublishEventDto, payloadJson: string, callerId?: string): Promise<PublishResult> {
    const createdAt = new Date().toISOString();
    const event: Omit<EventMessage, 'payload'> = {
      id: callerId ?? newId(IdPrefix.event),
      appId,
      eventType: dto.eventType,
      channels: dto.channels ?? null,
      occurredAt: dto.occurredAt ? new Date(dto.occurredAt).toISOString() : createdAt,
      createdAt,
    };
    try {
      const message = Buffer.from(jsonWithRawField(event, 'payload', payloadJson));
      // Message ids are per app: two apps may choose the same event id.
      const ack = await this.nats.publishBytes(this.nats.names.event(appId, event.eventType), message, { msgId: `${appId}:${event.id}` });
      this.metrics.eventsIngested.inc({ app_id: appId, event_type: event.eventType, duplicate: String(ack.duplicate) });
      return { id: event.id, eventType: event.eventType, occurredAt: event.occurredAt, createdAt, duplicate: ack.duplicate };
    } catch (error) {
      this.logger.warn(`JetStream did not store event ${event.id}: ${(error as Error).message}`);
      throw new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, 'unavailable', 'the event store is unavailable; retry later');
    }
  }
}

/** A batch item's error in the problem shape; anything but a problem fails the whole batch. */
function itemError(error: unknown, index: number): ItemError {
  if (!(error instanceof ProblemException)) throw error;
  const errors = error.errors?.map((e) => ({ field: `events.${index}.${e.field}`, message: e.message }));
  return { status: error.getStatus(), detail: error.message, ...(errors ? { errors } : {}) };
}
