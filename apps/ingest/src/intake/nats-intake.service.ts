import { Inject, Injectable, Logger } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { eventIdFromMessage } from '@herald/contracts';
import { ConsumerWorker, DurableConsumer, NatsService } from '@herald/messaging';
import { isDatabaseUnavailable } from '@herald/persistence';
import { ADMIN, ProblemException } from '@herald/platform';
import { JsMsg } from '@nats-io/jetstream';
import { AppDirectory } from '../apps/app-directory';
import { EventsService } from '../events/events.service';

const MAX_REASON_CHARS = 1024;
const RETRY_DELAY_MS = 5000;
/** Deliveries of a message failing for a reason other than an outage before it is rejected. */
const MAX_ATTEMPTS = 5;

/**
 * NATS intake: a JSON body published on `herald.ingest.{appId}` is accepted exactly as
 * `POST /v1/apps/{appId}/events` would accept it (an `Idempotency-Key` header works too). One
 * that HTTP would refuse is moved to `herald.rejected.{appId}`, unchanged, with the reason in
 * the `Herald-Error` header; it is acked only once the rejection is stored, so nothing is lost.
 * A transient failure (JetStream or PostgreSQL down) leaves the message to be redelivered.
 */
@Injectable()
export class NatsIntake extends ConsumerWorker<unknown> {
  private readonly logger = new Logger(NatsIntake.name);
  protected readonly consumer: DurableConsumer<unknown>;

  constructor(
    private readonly nats: NatsService,
    private readonly apps: AppDirectory,
    private readonly events: EventsService,
    @Inject(HERALD_CONFIG) config: HeraldConfig,
  ) {
    super();
    this.consumer = new DurableConsumer<unknown>(
      nats,
      nats.names.streams.ingest,
      nats.names.consumers.ingestIntake,
      {
        held: 64,
        maxMessages: 256,
        ackWaitSeconds: config.ackWaitSeconds,
        onUndecodable: (msg) => this.reject(msg, '400 the message is not a JSON object'),
      },
      (body, msg) => this.handle(body, msg),
      this.logger,
    );
  }

  private async handle(body: unknown, msg: JsMsg): Promise<void> {
    const appKey = appKeyOf(msg.subject);
    try {
      const appId = await this.apps.resolve(appKey, ADMIN);
      await this.events.publish(appId, body, {
        idempotencyKey: msg.headers?.get('Idempotency-Key') || undefined,
        fallbackId: eventIdFromMessage(msg.info.stream, msg.info.streamSequence, Math.floor(msg.info.timestampNanos / 1e6)),
        headers: { traceparent: msg.headers?.get('traceparent') || undefined },
      });
      msg.ack();
    } catch (error) {
      if (error instanceof ProblemException && error.getStatus() < 500) {
        const fields = error.errors?.map((e) => `${e.field}: ${e.message}`).join('; ');
        return this.reject(msg, `${error.getStatus()} ${fields || error.message}`);
      }
      const transient = (error instanceof ProblemException && error.getStatus() === 503) || isDatabaseUnavailable(error);
      if (!transient && msg.info.deliveryCount >= MAX_ATTEMPTS) {
        // Not an outage, and it failed every time: keep it with the reason rather than loop forever.
        this.logger.error(`intake of message ${msg.seq} failed ${MAX_ATTEMPTS} times, rejecting it: ${(error as Error).message}`);
        return this.reject(msg, `500 could not be processed: ${(error as Error).message}`);
      }
      this.logger.warn(`intake of message ${msg.seq} failed, retrying: ${(error as Error).message}`);
      msg.nak(RETRY_DELAY_MS);
    }
  }

  private async reject(msg: JsMsg, reason: string): Promise<void> {
    const appKey = appKeyOf(msg.subject);
    try {
      await this.nats.publishBytes(this.nats.names.rejected(appKey), msg.data, {
        headers: { 'Herald-Error': reason.replace(/[\r\n]+/g, ' ').slice(0, MAX_REASON_CHARS), 'Herald-Subject': msg.subject },
      });
      msg.ack();
    } catch (error) {
      this.logger.warn(`could not store rejected message ${msg.seq}, retrying: ${(error as Error).message}`);
      msg.nak(RETRY_DELAY_MS);
    }
  }
}

/** `[namespace.]herald.ingest.{appId}` → `{appId}`. */
function appKeyOf(subject: string): string {
  return subject.slice(subject.lastIndexOf('.') + 1);
}
