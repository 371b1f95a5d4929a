import { Inject, Injectable, Logger } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import {
  DeliveryError,
  DeliveryMessage,
  DeliveryOutcomeMessage,
  EndpointBatch,
  EndpointConfig,
  EndpointStateMessage,
  EventMessage,
  IdPrefix,
  newId,
  OperationalEventType,
  OutcomeType,
} from '@herald/contracts';
import { OperationalEvents } from '@herald/platform';
import { ConsumerWorker, DurableConsumer, NatsService, Semaphore } from '@herald/messaging';
import { contextFrom, HeraldMetrics, inSpan, SpanKind, traceHeaders, withoutAutoInstrumentation } from '@herald/telemetry';
import { AttemptRecord, Batcher, DeliveryRepository, RecordedAttempt } from '@herald/persistence';
import { JsMsg } from '@nats-io/jetstream';
import { ConfigFeed } from '../routing/config-feed.service';
import { AttemptRecorder } from './attempt-recorder';
import { FIRST_SUCCESS, ROW_EXISTS, RowWrite } from './first-attempt';
import { LeaseKeeper } from './lease-keeper';
import { EndpointDisabler } from './endpoint-disabler';
import { CircuitChange, CircuitState, EndpointGate } from './endpoint-gate';
import { parseRetryAfter } from './retry-after';
import { HttpAttemptResult, WebhookHttpClient } from './webhook-http-client';
import { RelayClient } from './relay-client';
import {
  bodyValue,
  buildBatchRequest,
  buildWebhookRequest,
  recordableBody,
  recordableHeaders,
  TransformCache,
  TransformError,
  WebhookRequest,
} from '@herald/signing';

/** One delivery to attempt (alone or in a batch). */
type Member = { deliveryId: string; attempt: number; event: EventMessage };

interface FormingBatch {
  members: Member[];
  waiters: { resolve: () => void; reject: (error: unknown) => void }[];
  timer: NodeJS.Timeout;
}

/** Messages one replica holds at once (in flight, queued per endpoint, being recorded). */
const HELD = 4096;
/** HTTP requests in flight at once across all endpoints. */
const REQUESTS_IN_FLIGHT = 512;
/** First attempts handed over by the fan-out and in hand at once. */
const DIRECT_HELD = 2048;
const RETRY_DELAY_MS = 1000;

/**
 * Attempts deliveries: first attempts handed over in process by the fan-out (`submit`; their
 * rows carry a lease, so if this process dies the RetryScheduler queues them when it ends), and
 * everything else from HERALD_DELIVERIES (retries, parked deliveries coming back, operator
 * actions). Each is admitted through its endpoint's gate (concurrency, rate limit, circuit
 * breaker — or parked in PostgreSQL with a nextAttemptAt), signed and POSTed; the attempt is
 * recorded, the outcome published, and only then is the message acked. A crash anywhere before
 * that means JetStream redelivers (or the lease ends), so nothing is lost; at worst the
 * receiver sees the request twice. Retries never wait here: a failure is recorded with its next
 * attempt time and the RetryScheduler queues it again when due.
 */
@Injectable()
export class DeliveryWorker extends ConsumerWorker<DeliveryMessage> {
  private readonly logger = new Logger(DeliveryWorker.name);
  private readonly requests = new Semaphore(REQUESTS_IN_FLIGHT);
  private readonly gate = new EndpointGate();
  private readonly transforms = new TransformCache();
  /** Per endpoint, the batch being filled (batching endpoints only). */
  private readonly forming = new Map<string, FormingBatch>();
  private readonly parked: Batcher<{ id: string; until: Date }, null>;
  private readonly direct = new Semaphore(DIRECT_HELD);
  private readonly leases: LeaseKeeper;
  protected readonly consumer: DurableConsumer<DeliveryMessage>;

  constructor(
    private readonly nats: NatsService,
    private readonly config: ConfigFeed,
    private readonly http: WebhookHttpClient,
    private readonly relay: RelayClient,
    private readonly recorder: AttemptRecorder,
    private readonly deliveries: DeliveryRepository,
    private readonly disabler: EndpointDisabler,
    private readonly metrics: HeraldMetrics,
    private readonly operational: OperationalEvents,
    @Inject(HERALD_CONFIG) private readonly settings: HeraldConfig,
  ) {
    super();
    const { streams, consumers } = nats.names;
    this.consumer = new DurableConsumer(
      nats,
      streams.deliveries,
      consumers.dispatcherDelivery,
      { held: HELD, maxMessages: 512, ackWaitSeconds: settings.ackWaitSeconds },
      (message, msg, receivedAt) => this.handle(message, msg, receivedAt),
      this.logger,
    );
    this.parked = new Batcher(async (items) => {
      await deliveries.park(
        items.map((item) => item.id),
        items.map((item) => item.until),
      );
      return items.map(() => null);
    });
    this.leases = new LeaseKeeper(deliveries, settings.ackWaitSeconds, this.logger);
  }

  /** How long a first attempt handed over by the fan-out is leased to this process. */
  get leaseSeconds(): number {
    return this.leases.leaseSeconds;
  }

  /**
   * Takes a first attempt straight from the fan-out before its row is written (`row`, see
   * FirstAttempt): the request goes out at once; a success settled in time is written with the
   * row, anything else is recorded against it once it exists (pending and leased, so if this
   * process dies the RetryScheduler queues it when the lease ends). Resolves once there is room
   * for it, not when it is done: the fan-out waits here when this replica has enough in hand.
   */
  async submit(message: DeliveryMessage, row: RowWrite): Promise<void> {
    await this.direct.acquire();
    this.leases.hold(message.deliveryId);
    void inSpan('herald.delivery', { kind: SpanKind.INTERNAL, attributes: deliveryAttributes(message) }, () =>
      this.process(message, performance.now(), row),
    )
      .catch((error: unknown) =>
        this.logger.warn(
          `delivery ${message.deliveryId} not recorded (its event comes back, or its lease ends): ${(error as Error).message}`,
        ),
      )
      .finally(() => {
        this.leases.release(message.deliveryId);
        this.direct.release();
      });
  }

  override async beforeApplicationShutdown(): Promise<void> {
    await super.beforeApplicationShutdown();
    await this.direct.idle();
    this.leases.stop();
  }

  /** How many endpoints this replica has seen in each circuit state. */
  circuitCounts(): Record<CircuitState, number> {
    return this.gate.circuitCounts();
  }

  private async handle(message: DeliveryMessage, msg: JsMsg, receivedAt: number): Promise<void> {
    try {
      await inSpan(
        'herald.delivery',
        {
          kind: SpanKind.CONSUMER,
          parent: contextFrom(msg.headers),
          attributes: deliveryAttributes(message),
        },
        () => this.process(message, receivedAt),
      );
      this.nats.ack(msg);
    } catch (error) {
      this.logger.warn(`delivery ${message.deliveryId} not recorded, will retry: ${(error as Error).message}`);
      msg.nak(RETRY_DELAY_MS);
    }
  }

  /** `row`: how the delivery's row gets written (a first attempt's: by the fan-out, meanwhile). */
  private async process(message: DeliveryMessage, receivedAt: number, row: RowWrite = ROW_EXISTS): Promise<void> {
    let endpoint = this.config.index.get(message.endpointId);
    if (!endpoint) {
      // Another replica may have routed it with a newer config: catch up before giving up.
      await this.config.ensureCurrent(receivedAt);
      endpoint = this.config.index.get(message.endpointId);
    }
    const members = message.batch?.members ?? [{ deliveryId: message.deliveryId, attempt: message.attempt, event: message.event }];
    const parkedUntil = this.config.parkedUntil(message.endpointId);
    if (parkedUntil) {
      await settledElsewhere(row);
      await Promise.all(members.map((m) => this.parked.add({ id: m.deliveryId, until: parkedUntil })));
      return;
    }
    if (!endpoint || endpoint.disabled) {
      await settledElsewhere(row);
      await this.deliveries.failUndeliverable(members.map((m) => m.deliveryId));
      return;
    }
    if (message.batch) await this.deliver(endpoint, members, message.batch.batchId, message.manual === true);
    else if (endpoint.batch) {
      await settledElsewhere(row);
      await this.joinBatch(endpoint, members[0]);
    } else await this.deliver(endpoint, members, null, message.manual === true, row);
  }

  /** Adds a delivery to the endpoint's forming batch; resolves once that batch is sent and recorded. */
  private joinBatch(endpoint: EndpointConfig, member: Member): Promise<void> {
    const settings = endpoint.batch as EndpointBatch;
    let batch = this.forming.get(endpoint.id);
    if (!batch) {
      const forming: FormingBatch = {
        members: [],
        waiters: [],
        timer: setTimeout(() => void this.sendBatch(endpoint.id, forming), settings.maxWaitMs),
      };
      this.forming.set(endpoint.id, forming);
      batch = forming;
    }
    const current = batch;
    const done = new Promise<void>((resolve, reject) => current.waiters.push({ resolve, reject }));
    current.members.push(member);
    if (current.members.length >= settings.maxSize) void this.sendBatch(endpoint.id, current);
    return done;
  }

  private async sendBatch(endpointId: string, batch: FormingBatch): Promise<void> {
    if (this.forming.get(endpointId) !== batch) return; // already sent
    this.forming.delete(endpointId);
    clearTimeout(batch.timer);
    try {
      const endpoint = this.config.index.get(endpointId);
      if (!endpoint || endpoint.disabled) await this.deliveries.failUndeliverable(batch.members.map((m) => m.deliveryId));
      else await this.deliver(endpoint, batch.members, newId(IdPrefix.batch), false);
      for (const waiter of batch.waiters) waiter.resolve();
    } catch (error) {
      for (const waiter of batch.waiters) waiter.reject(error);
    }
  }

  /**
   * One attempt for one delivery, or for a batch (`batchId`): admission through the endpoint's
   * gate (or parking), the request, then one attempt record and outcome per delivery. A batch
   * is one request with a JSON array body; its deliveries share the result, the batch id, and
   * one retry time, so the scheduler queues them again together and the same batch is re-sent.
   */
  private async deliver(
    endpoint: EndpointConfig,
    members: Member[],
    batchId: string | null,
    manual: boolean,
    row: RowWrite = ROW_EXISTS,
  ): Promise<void> {
    const admission = await this.gate.enter(endpoint, manual, this.consumer.held > HELD * 0.75);
    if (admission.kind === 'park') {
      await settledElsewhere(row);
      await Promise.all(members.map((m) => this.parked.add({ id: m.deliveryId, until: admission.until })));
      return;
    }
    const startedAt = new Date();
    let request: WebhookRequest = { body: Buffer.alloc(0), headers: {} };
    let result: HttpAttemptResult | undefined;
    let circuit: CircuitChange = null;
    try {
      const built = await this.build(endpoint, members, batchId, startedAt.getTime());
      if (built instanceof TransformError) {
        // The endpoint's transform failed on this event: a failed attempt, not a crash.
        result = {
          ok: false,
          status: null,
          body: `transform failed: ${built.message}`,
          error: DeliveryError.transform,
          retryAfter: null,
          durationMs: 0,
        };
      } else {
        request = built;
        result = await this.send(endpoint, request, members);
      }
    } finally {
      // The endpoint's slot covers the HTTP exchange only, not our bookkeeping after it.
      circuit = this.gate.leave(endpoint.id, result?.ok ?? null, result?.durationMs);
    }
    const throttled = result.status === 429 || result.status === 503;
    const jitter = retryDelayFactor(endpoint.retryJitter);
    const requestHeaders = recordableHeaders(endpoint, request.headers);
    const requestBody = recordableBody(request.body);
    const records: AttemptRecord[] = members.map((member) => ({
      attemptId: newId(IdPrefix.attempt),
      deliveryId: member.deliveryId,
      appId: member.event.appId,
      endpointId: endpoint.id,
      startedAt,
      durationMs: result.durationMs,
      outcome: result.ok ? 'success' : 'failure',
      responseStatus: result.status,
      responseBody: result.body,
      error: result.error,
      requestHeaders,
      requestBody,
      retrySchedule: endpoint.retrySchedule,
      retryAfterSeconds: throttled ? parseRetryAfter(result.retryAfter) : null,
      batchId,
      jitter,
    }));
    row.settle(result.ok ? records[0] : null);
    const recorded = (await row.stored) ? [FIRST_SUCCESS] : await Promise.all(records.map((record) => this.recorder.record(record)));
    // A batch's outcomes are published together, not one acknowledgement after another.
    await Promise.all(
      members.map((member, index) => {
        this.observe(result, member.event);
        return this.publishOutcome(endpoint, member, result, recorded[index]);
      }),
    );
    await this.afterAttempt(endpoint, result, recorded[0]);
    if (circuit !== null || (!result.ok && recorded.some((r) => r.status === 'failed'))) {
      await this.reportOperational(endpoint, members, result, recorded, circuit);
    }
  }

  /**
   * The rare outcomes operators hear about: a circuit that opened or closed (on the feed and as
   * an operational webhook), deliveries that exhausted their schedule (operational webhooks),
   * and, for endpoints that ask for it, disabling on exhaustion.
   */
  private async reportOperational(
    endpoint: EndpointConfig,
    members: Member[],
    result: HttpAttemptResult,
    recorded: RecordedAttempt[],
    circuit: CircuitChange,
  ): Promise<void> {
    const subject = { appId: endpoint.appId, endpoint };
    if (circuit !== null) {
      const opened = circuit === 'opened';
      const reason = opened ? 'consecutive failures opened the circuit' : 'an attempt succeeded and closed the circuit';
      const message: EndpointStateMessage = {
        type: opened ? 'endpoint.failing' : 'endpoint.recovered',
        appId: endpoint.appId,
        timestamp: new Date().toISOString(),
        payload: { endpointId: endpoint.id, reason },
      };
      await this.nats.publishJson(this.nats.names.outcome(endpoint.appId, endpoint.id), message);
      const type = opened ? OperationalEventType.endpointFailing : OperationalEventType.endpointRecovered;
      await this.operational.publish(type, subject, reason, `${endpoint.id}:${message.type}:${message.timestamp}`);
    }
    const exhausted = members.filter((_, index) => !result.ok && recorded[index].status === 'failed');
    for (const member of exhausted) {
      const attempt = recorded[members.indexOf(member)].attempt;
      await this.operational.publish(
        OperationalEventType.deliveryExhausted,
        subject,
        result.error ?? 'failed',
        `${member.deliveryId}:${attempt}`,
        {
          delivery: { id: member.deliveryId, eventId: member.event.id, eventType: member.event.eventType, attempts: attempt },
          lastAttempt: { responseStatus: result.status, error: result.error, durationMs: result.durationMs },
        },
      );
    }
    if (exhausted.length > 0 && endpoint.disableOnExhaustion) await this.disabler.disable(endpoint.appId, endpoint.id, 'exhausted');
  }

  /** The request of one delivery or of a batch; a failing transform comes back as a TransformError. */
  private async build(
    endpoint: EndpointConfig,
    members: Member[],
    batchId: string | null,
    nowMs: number,
  ): Promise<WebhookRequest | TransformError> {
    try {
      if (batchId === null) {
        const [member] = members;
        return await buildWebhookRequest(
          endpoint,
          member.event,
          { deliveryId: member.deliveryId, attempt: member.attempt, nowMs },
          this.transforms,
        );
      }
      const values = [];
      for (const member of members) {
        values.push(
          await bodyValue(endpoint, member.event, { deliveryId: member.deliveryId, attempt: member.attempt, nowMs }, this.transforms),
        );
      }
      return buildBatchRequest(endpoint, batchId, values, members[0].event, { attempt: members[0].attempt, nowMs });
    } catch (error) {
      if (error instanceof TransformError) return error;
      throw error;
    }
  }

  /**
   * The POST, in a client span whose context the receiver gets as its one `traceparent`. A relay
   * endpoint's request takes the same path (slot, metrics, span) and goes to its `herald listen`.
   */
  private async send(endpoint: EndpointConfig, request: WebhookRequest, members: Member[]): Promise<HttpAttemptResult> {
    await this.requests.acquire();
    this.metrics.attemptsInFlight.inc();
    try {
      const relay = endpoint.type === 'relay';
      return await inSpan(
        'POST',
        {
          kind: SpanKind.CLIENT,
          attributes: { 'http.request.method': 'POST', 'url.full': endpoint.url, ...(relay ? { 'herald.relay': true } : {}) },
        },
        async (span) => {
          const headers = { ...request.headers, ...traceHeaders() };
          // This span is the request's client span, with or without the SDK: undici's own would add a second.
          const result = relay
            ? await this.relay.post(endpoint.id, headers, request.body, endpoint.timeoutMs, {
                eventId: members[0].event.id,
                eventType: members[0].event.eventType,
                deliveries: members.length,
              })
            : await withoutAutoInstrumentation(() => this.http.post(endpoint.url, headers, request.body, endpoint.timeoutMs));
          if (result.status !== null) span.setAttribute('http.response.status_code', result.status);
          if (result.error) span.setAttribute('error.type', result.error);
          return result;
        },
      );
    } finally {
      this.metrics.attemptsInFlight.dec();
      this.requests.release();
    }
  }

  private observe(result: HttpAttemptResult, event: EventMessage): void {
    this.metrics.deliveryLatency.observe({ outcome: result.ok ? 'success' : 'failure' }, result.durationMs / 1000);
    if (result.ok) this.metrics.endToEndLatency.observe((Date.now() - Date.parse(event.createdAt)) / 1000);
  }

  private async publishOutcome(
    endpoint: EndpointConfig,
    message: Member,
    result: HttpAttemptResult,
    recorded: RecordedAttempt,
  ): Promise<void> {
    const outcome: DeliveryOutcomeMessage = {
      type: outcomeType(result, recorded),
      appId: message.event.appId,
      timestamp: new Date().toISOString(),
      payload: {
        deliveryId: message.deliveryId,
        eventId: message.event.id,
        eventType: message.event.eventType,
        endpointId: endpoint.id,
        attempt: recorded.attempt,
        responseStatus: result.status,
        durationMs: result.durationMs,
        error: result.error,
      },
    };
    await this.nats.publishJson(this.nats.names.outcome(message.event.appId, endpoint.id), outcome);
    this.metrics.deliveries.inc({ outcome: outcome.type.replace('delivery.', ''), error_class: result.error ?? 'none' });
    this.logger.log({
      msg: 'delivery attempt',
      deliveryId: message.deliveryId,
      eventId: message.event.id,
      endpointId: endpoint.id,
      attempt: recorded.attempt,
      responseStatus: result.status,
      error: result.error,
      durationMs: result.durationMs,
      status: recorded.status,
    });
  }

  /** 410 Gone disables the endpoint at once; failing for too long disables it too. */
  private async afterAttempt(endpoint: EndpointConfig, result: HttpAttemptResult, recorded: RecordedAttempt): Promise<void> {
    if (result.status === 410) {
      await this.disabler.disable(endpoint.appId, endpoint.id, 'gone');
      return;
    }
    const failingSince = recorded.endpointFailingSince?.getTime();
    if (!result.ok && failingSince !== undefined && Date.now() - failingSince > this.settings.disableAfterHours * 3600_000) {
      await this.disabler.disable(endpoint.appId, endpoint.id, 'failing');
    }
  }
}

/** A first attempt that goes elsewhere (parked, batched, undeliverable): its row is written without it. */
async function settledElsewhere(row: RowWrite): Promise<void> {
  row.settle(null);
  await row.stored;
}

/** The factor a retry delay is multiplied by: uniform in [1 - jitter, 1 + jitter] (default jitter 0.2). */
export function retryDelayFactor(jitter = 0.2, random = Math.random()): number {
  return jitter === 0 ? 1 : 1 - jitter + random * 2 * jitter;
}

function deliveryAttributes(message: DeliveryMessage): Record<string, string | number> {
  return { 'herald.delivery_id': message.deliveryId, 'herald.endpoint_id': message.endpointId, 'herald.attempt': message.attempt };
}

function outcomeType(result: HttpAttemptResult, recorded: RecordedAttempt): OutcomeType {
  if (result.ok) return OutcomeType.succeeded;
  return recorded.status === 'failed' ? OutcomeType.exhausted : OutcomeType.failed;
}
