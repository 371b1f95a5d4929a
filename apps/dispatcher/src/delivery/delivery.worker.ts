import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DeliveryMessage, IdPrefix, newId, OutcomeMessage, OutcomeType } from '@herald/contracts';
import { decodeJson, NatsService } from '@herald/messaging';
import { DeliveryRepository, RecordedAttempt } from '@herald/persistence';
import { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { Semaphore } from '../common/concurrency';
import { ConfigFeed } from '../routing/config-feed.service';
import { AttemptRecorder } from './attempt-recorder';
import { HttpAttemptResult, WebhookHttpClient } from './webhook-http-client';
import { buildWebhookRequest, recordableHeaders } from './webhook-request';

const IN_FLIGHT = 512;
const RETRY_DELAY_MS = 1000;

/**
 * Consumes HERALD_DELIVERIES: signs and POSTs one event to one endpoint, records the attempt in
 * PostgreSQL, publishes the outcome, and only then acks. A crash anywhere before the ack means
 * JetStream redelivers, so nothing is lost; at worst the receiver sees the request twice.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryWorker.name);
  private readonly slots = new Semaphore(IN_FLIGHT);
  private messages?: ConsumerMessages;

  constructor(
    private readonly nats: NatsService,
    private readonly config: ConfigFeed,
    private readonly http: WebhookHttpClient,
    private readonly recorder: AttemptRecorder,
    private readonly deliveries: DeliveryRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { streams, consumers } = this.nats.names;
    const consumer = await this.nats.js.consumers.get(streams.deliveries, consumers.dispatcherDelivery);
    this.messages = await consumer.consume({ max_messages: 512 });
    void this.run(this.messages);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.messages?.close();
    await this.slots.idle();
  }

  private async run(messages: ConsumerMessages): Promise<void> {
    for await (const msg of messages) {
      const receivedAt = performance.now();
      await this.slots.acquire();
      void this.handle(msg, receivedAt).finally(() => this.slots.release());
    }
  }

  private async handle(msg: JsMsg, receivedAt: number): Promise<void> {
    let message: DeliveryMessage;
    try {
      message = decodeJson<DeliveryMessage>(msg.data);
    } catch {
      this.logger.error(`delivery message ${msg.seq} is not JSON; terminating it`);
      msg.term('not JSON');
      return;
    }
    try {
      await this.attempt(message, receivedAt);
      msg.ack();
    } catch (error) {
      this.logger.warn(`delivery ${message.deliveryId} not recorded, will retry: ${(error as Error).message}`);
      msg.nak(RETRY_DELAY_MS);
    }
  }

  private async attempt(message: DeliveryMessage, receivedAt: number): Promise<void> {
    const { event } = message;
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
    const startedAt = new Date();
    const request = buildWebhookRequest(endpoint, event, startedAt.getTime());
    const result = await this.http.post(endpoint.url, request.headers, request.body, endpoint.timeoutMs);
    const recorded = await this.recorder.record({
      attemptId: newId(IdPrefix.attempt),
      deliveryId: message.deliveryId,
      appId: event.appId,
      startedAt,
      durationMs: result.durationMs,
      outcome: result.ok ? 'success' : 'failure',
      responseStatus: result.status,
      responseBody: result.body,
      error: result.error,
      requestHeaders: recordableHeaders(request.headers),
      retrySchedule: endpoint.retrySchedule,
    });
    const outcome: OutcomeMessage = {
      type: outcomeType(result, recorded),
      appId: event.appId,
      timestamp: new Date().toISOString(),
      payload: {
        deliveryId: message.deliveryId,
        eventId: event.id,
        eventType: event.eventType,
        endpointId: endpoint.id,
        attempt: recorded.attempt,
        responseStatus: result.status,
        durationMs: result.durationMs,
        error: result.error,
      },
    };
    await this.nats.publishJson(this.nats.names.outcome(event.appId, endpoint.id), outcome);
  }
}

function outcomeType(result: HttpAttemptResult, recorded: RecordedAttempt): OutcomeType {
  if (result.ok) return OutcomeType.succeeded;
  return recorded.status === 'failed' ? OutcomeType.exhausted : OutcomeType.failed;
}
