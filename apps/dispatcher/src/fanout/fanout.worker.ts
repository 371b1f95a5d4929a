import { Inject, Injectable, Logger } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { deliveryIdFor, EndpointConfig, EventMessage } from '@herald/contracts';
import { ConsumerWorker, DurableConsumer, NatsService, Semaphore } from '@herald/messaging';
import { contextFrom, inSpan, SpanKind } from '@herald/telemetry';
import { Batcher, DeliveryRepository, isDataError, NewDelivery } from '@herald/persistence';
import { JsMsg } from '@nats-io/jetstream';
import { DeliveryWorker } from '../delivery/delivery.worker';
import { FirstAttempt } from '../delivery/first-attempt';
import { ConfigFeed } from '../routing/config-feed.service';

/** Events in hand at once: each is held until its first attempts are done (at most SETTLE_WAIT_MS) and stored. */
const IN_FLIGHT = 512;
const RETRY_DELAY_MS = 1000;
/** How long an event's rows wait for its first attempts, to be written once with their successes. */
const SETTLE_WAIT_MS = 250;
/**
 * First attempts in hand and not yet answered, across events: an event starts its fan-out when
 * its deliveries fit (one with more matches than this goes alone). Enough to keep the request
 * slots busy, few enough that they are answered within SETTLE_WAIT_MS and written once even
 * when they queue at one endpoint's gate (the wait there is about this many over the rate):
 * 512 events of 50 matches each in hand took seconds to answer and every row was written
 * twice; 512 events of one match, under the throughput scenario, 90 % of them.
 */
const DELIVERIES_IN_HAND = 256;

/**
 * Consumes HERALD_EVENTS: routes each event to its matching endpoints, hands each delivery to
 * this process's DeliveryWorker for its first attempt while storing the event and a pending,
 * leased delivery per endpoint (batched across events), and acks once they are stored. Delivery
 * ids derive from (event, endpoint), so re-running a fan-out after a crash creates nothing
 * twice; a delivery stored but never attempted (the process died) is queued by the
 * RetryScheduler when its lease ends.
 */
@Injectable()
export class FanoutWorker extends ConsumerWorker<EventMessage> {
  private readonly logger = new Logger(FanoutWorker.name);
  private readonly stored: Batcher<{ event: EventMessage; deliveries: NewDelivery[] }, Set<string>>;
  private readonly inHand = new Semaphore(DELIVERIES_IN_HAND);
  protected readonly consumer: DurableConsumer<EventMessage>;

  constructor(
    private readonly nats: NatsService,
    private readonly config: ConfigFeed,
    private readonly delivery: DeliveryWorker,
    deliveries: DeliveryRepository,
    @Inject(HERALD_CONFIG) settings: HeraldConfig,
  ) {
    super();
    const { streams, consumers } = nats.names;
    this.consumer = new DurableConsumer(
      nats,
      streams.events,
      consumers.dispatcherFanout,
      { held: IN_FLIGHT, maxMessages: 256, ackWaitSeconds: settings.ackWaitSeconds },
      (event, msg, receivedAt) => this.handle(event, msg, receivedAt),
      this.logger,
    );
    this.stored = new Batcher(
      async (items) => {
        const written = await deliveries.insertFanout(
          items.map((item) => item.event),
          items.flatMap((item) => item.deliveries),
          delivery.leaseSeconds,
        );
        return items.map(() => written);
      },
      250,
      // A first attempt waits for this insert, so the batching wait is part of every delivery's latency.
      2,
    );
  }

  private async handle(event: EventMessage, msg: JsMsg, receivedAt: number): Promise<void> {
    try {
      await inSpan(
        'herald.fanout',
        {
          kind: SpanKind.CONSUMER,
          parent: contextFrom(msg.headers),
          attributes: { 'herald.event_id': event.id, 'herald.event_type': event.eventType },
        },
        (span) => this.fanOut(event, receivedAt).then((count) => void span.setAttribute('herald.deliveries', count)),
      );
      this.nats.ack(msg);
    } catch (error) {
      if (isDataError(error)) {
        // Ingest refuses what PostgreSQL cannot store; should such an event get through anyway,
        // it must not be retried forever and hold up everyone else's.
        this.logger.error(`event ${event.id} of app ${event.appId} cannot be stored, dropping it: ${(error as Error).message}`);
        msg.term('cannot be stored');
        return;
      }
      this.logger.warn(`fan-out of ${event.id} failed, will retry: ${(error as Error).message}`);
      msg.nak(RETRY_DELAY_MS);
    }
  }

  /** Routes one event, hands its deliveries over and stores them; returns how many. */
  private async fanOut(event: EventMessage, receivedAt: number): Promise<number> {
    await this.config.ensureCurrent(receivedAt);
    const endpoints = this.config.index.match(event.appId, event.eventType, event.channels);
    // Each answer gives its place back; those still unanswered when the rows are written go on
    // outside the budget (pending and leased), so a hanging endpoint does not hold up the next event.
    let held = Math.min(endpoints.length, DELIVERIES_IN_HAND);
    await this.inHand.acquire(held);
    const answered = () => {
      if (held === 0) return;
      held -= 1;
      this.inHand.release();
    };
    try {
      return await this.fanOutTo(event, endpoints, answered);
    } finally {
      this.inHand.release(held);
      held = 0;
    }
  }

  /** Hands over and stores one event's deliveries (its places among the attempts in hand taken). */
  private async fanOutTo(event: EventMessage, endpoints: EndpointConfig[], answered: () => void): Promise<number> {
    const deliveries = endpoints.map((endpoint) => ({
      id: deliveryIdFor(event.id, endpoint.id, event.createdAt),
      appId: event.appId,
      eventId: event.id,
      endpointId: endpoint.id,
      eventType: event.eventType,
    }));
    // The requests go out before the rows are written; the rows wait a little for them, so a
    // first success is written once, with its row. Should this fail or the process die before
    // the ack, the event comes back and its deliveries are sent again: duplicates bounded by
    // what was in flight, as everywhere.
    const attempts = deliveries.map(() => new FirstAttempt(answered));
    const submitted = (async () => {
      for (const [i, delivery] of deliveries.entries()) {
        await this.delivery.submit({ deliveryId: delivery.id, endpointId: delivery.endpointId, attempt: 1, event }, attempts[i]);
      }
    })();
    // Not waiting for every submit: one submitted late (this replica has enough in hand) finds its row written, pending and leased.
    await FirstAttempt.settledWithin(attempts, SETTLE_WAIT_MS);
    try {
      const written = await this.stored.add({
        event,
        deliveries: deliveries.map((delivery, i) => ({ ...delivery, firstAttempt: attempts[i].success })),
      });
      deliveries.forEach((delivery, i) => attempts[i].written(written.has(delivery.id)));
    } catch (error) {
      for (const attempt of attempts) attempt.failed(error);
      await submitted;
      throw error;
    }
    await submitted;
    return deliveries.length;
  }
}
