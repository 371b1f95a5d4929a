import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { DeliveryError, DeliveryMessage, DeliveryOutcomeMessage, EndpointConfig, IdPrefix, newId, OutcomeType } from '@herald/contracts';
import { TransformError } from '@herald/signing';
import { NatsService } from '@herald/messaging';
import { contextFrom, HeraldMetrics, inSpan, SpanKind, traceHeaders } from '@herald/telemetry';
import { DeliveryRepository, RecordedAttempt } from '@herald/persistence';
import { JsMsg } from '@nats-io/jetstream';
import { Batcher } from '../common/batcher';
import { Semaphore } from '../common/concurrency';
import { DurableConsumer } from '../common/durable-consumer';
import { ConfigFeed } from '../routing/config-feed.service';
import { AttemptRecorder } from './attempt-recorder';
import { EndpointDisabler } from './endpoint-disabler';
import { CircuitState, EndpointGate } from './endpoint-gate';
import { parseRetryAfter } from './retry-after';
import { HttpAttemptResult, WebhookHttpClient } from './webhook-http-client';
import { buildWebhookRequest, recordableHeaders, TransformCache, WebhookRequest } from './webhook-request';

/** Messages one replica holds at once (in flight, queued per endpoint, being recorded). */
const HELD = 4096;
/** HTTP requests in flight at once across all endpoints. */
const REQUESTS_IN_FLIGHT = 512;
const RETRY_DELAY_MS = 1000;

/**
 * Consumes HERALD_DELIVERIES: admits each delivery through its endpoint's gate (concurrency,
 * rate limit, circuit breaker — or parks it in PostgreSQL with a nextAttemptAt), signs and POSTs
 * it, records the attempt, publishes the outcome, and only then acks. A crash anywhere before
 * the ack means JetStream redelivers, so nothing is lost; at worst the receiver sees the
 * request twice. Retries never wait here: a failure is recorded with its next attempt time and
 * the RetryScheduler queues it again when due.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryWorker.name);
  private readonly requests = new Semaphore(REQUESTS_IN_FLIGHT);
  private readonly gate = new EndpointGate();
  private readonly transforms = new TransformCache();
  private readonly parked: Batcher<{ id: string; until: Date }, null>;
  private readonly consumer: DurableConsumer<DeliveryMessage>;

  constructor(
    private readonly nats: NatsService,
    private readonly config: ConfigFeed,
    private readonly http: WebhookHttpClient,
    private readonly recorder: AttemptRecorder,
    private readonly deliveries: DeliveryRepository,
    private readonly disabler: EndpointDisabler,
    private readonly metrics: HeraldMetrics,
    @Inject(HERALD_CONFIG) private readonly settings: HeraldConfig,
  ) {
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
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.consumer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer.stop();
  }

  /** How many endpoints this replica has seen in each circuit state. */
  circuitCounts(): Record<CircuitState, number> {
    return this.gate.circuitCounts();
  }

  /** True while this worker is consuming its durable consumer (readiness). */
  isConsuming(): boolean {
    return this.consumer.isConsuming();
  }

  private async handle(message: DeliveryMessage, msg: JsMsg, receivedAt: number): Promise<void> {
    try {
      await inSpan(
        'herald.delivery',
        {
          kind: SpanKind.CONSUMER,
          parent: contextFrom(msg.headers),
          attributes: {
            'herald.delivery_id': message.deliveryId,
            'herald.endpoint_id': message.endpointId,
            'herald.attempt': message.attempt,
          },
        },
        () => this.process(message, receivedAt),
      );
      msg.ack();
    } catch (error) {
      this.logger.warn(`delivery ${message.deliveryId} not recorded, will retry: ${(error as Error).message}`);
      msg.nak(RETRY_DELAY_MS);
    }
  }

  private async process(message: DeliveryMessage, receivedAt: number): Promise<void> {
    let endpoint = this.config.index.get(message.endpointId);
    if (!endpoint) {
      // Another replica may have routed it with a newer config: catch up before giving up.
      await this.config.ensureCurrent(receivedAt);
      endpoint = this.config.index.get(message.endpointId);
    }
    if (!endpoint || endpoint.disabled) {
      await this.deliveries.failUndeliverable([message.deliveryId]);
      return;
    }
    const admission = await this.gate.enter(endpoint, message.manual === true, this.consumer.held > HELD * 0.75);
    if (admission.kind === 'park') {
      await this.parked.add({ id: message.deliveryId, until: admission.until });
      return;
    }
    const startedAt = new Date();
    let request: WebhookRequest = { body: Buffer.alloc(0), headers: {} };
    let result: HttpAttemptResult | undefined;
    try {
      const attempt = { deliveryId: message.deliveryId, attempt: message.attempt, nowMs: startedAt.getTime() };
      const built = await buildWebhookRequest(endpoint, message.event, attempt, this.transforms).catch((error: unknown) => {
        if (error instanceof TransformError) return error;
        throw error;
      });
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
        result = await this.send(endpoint, request);
      }
    } finally {
      // The endpoint's slot covers the HTTP exchange only, not our bookkeeping after it.
      this.gate.leave(endpoint.id, result?.ok ?? null, result?.durationMs);
    }
    this.observe(result, message);
    const throttled = result.status === 429 || result.status === 503;
    const recorded = await this.recorder.record({
      attemptId: newId(IdPrefix.attempt),
      deliveryId: message.deliveryId,
      appId: message.event.appId,
      endpointId: endpoint.id,
      startedAt,
      durationMs: result.durationMs,
      outcome: result.ok ? 'success' : 'failure',
      responseStatus: result.status,
      responseBody: result.body,
      error: result.error,
      requestHeaders: recordableHeaders(endpoint, request.headers),
      retrySchedule: endpoint.retrySchedule,
      retryAfterSeconds: throttled ? parseRetryAfter(result.retryAfter) : null,
    });
    await this.publishOutcome(endpoint, message, result, recorded);
    await this.afterAttempt(endpoint, result, recorded);
  }

  /** The POST, in a client span whose context the receiver gets as `traceparent`. */
  private async send(endpoint: EndpointConfig, request: WebhookRequest): Promise<HttpAttemptResult> {
    await this.requests.acquire();
    this.metrics.attemptsInFlight.inc();
    try {
      return await inSpan(
        'POST',
        { kind: SpanKind.CLIENT, attributes: { 'http.request.method': 'POST', 'url.full': endpoint.url } },
        async (span) => {
          const result = await this.http.post(endpoint.url, { ...request.headers, ...traceHeaders() }, request.body, endpoint.timeoutMs);
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

  private observe(result: HttpAttemptResult, message: DeliveryMessage): void {
    this.metrics.deliveryLatency.observe({ outcome: result.ok ? 'success' : 'failure' }, result.durationMs / 1000);
    if (result.ok) this.metrics.endToEndLatency.observe((Date.now() - Date.parse(message.event.createdAt)) / 1000);
  }

  private async publishOutcome(
    endpoint: EndpointConfig,
    message: DeliveryMessage,
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

function outcomeType(result: HttpAttemptResult, recorded: RecordedAttempt): OutcomeType {
  if (result.ok) return OutcomeType.succeeded;
  return recorded.status === 'failed' ? OutcomeType.exhausted : OutcomeType.failed;
}
