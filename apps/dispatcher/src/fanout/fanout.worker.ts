import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DeliveryMessage, deliveryIdFor, EventMessage } from '@herald/contracts';
import { decodeJson, NatsService } from '@herald/messaging';
import { DeliveryRepository, NewDelivery } from '@herald/persistence';
import { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { Batcher } from '../common/batcher';
import { Semaphore } from '../common/concurrency';
import { ConfigFeed } from '../routing/config-feed.service';

const IN_FLIGHT = 128;
const RETRY_DELAY_MS = 1000;

/**
 * Consumes HERALD_EVENTS: routes each event to its matching endpoints, records a pending
 * delivery per endpoint and queues it on HERALD_DELIVERIES, then acks. Delivery ids derive from
 * (event, endpoint), so re-running a fan-out after a crash creates nothing twice.
 */
@Injectable()
export class FanoutWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(FanoutWorker.name);
  private readonly slots = new Semaphore(IN_FLIGHT);
  private readonly pending: Batcher<NewDelivery, null>;
  private messages?: ConsumerMessages;

  constructor(
    private readonly nats: NatsService,
    private readonly config: ConfigFeed,
    deliveries: DeliveryRepository,
  ) {
    this.pending = new Batcher(async (rows) => {
      await deliveries.insertPending(rows);
      return rows.map(() => null);
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    const { streams, consumers } = this.nats.names;
    const consumer = await this.nats.js.consumers.get(streams.events, consumers.dispatcherFanout);
    this.messages = await consumer.consume({ max_messages: 256 });
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
    let event: EventMessage;
    try {
      event = decodeJson<EventMessage>(msg.data);
    } catch {
      this.logger.error(`event message ${msg.seq} is not JSON; terminating it`);
      msg.term('not JSON');
      return;
    }
    try {
      await this.config.ensureCurrent(receivedAt);
      const endpoints = this.config.index.match(event.appId, event.eventType, event.channels);
      const deliveries = endpoints.map((endpoint) => ({
        id: deliveryIdFor(event.id, endpoint.id),
        appId: event.appId,
        eventId: event.id,
        endpointId: endpoint.id,
        eventType: event.eventType,
      }));
      await Promise.all(deliveries.map((delivery) => this.pending.add(delivery)));
      await Promise.all(
        deliveries.map((delivery) => {
          const message: DeliveryMessage = { deliveryId: delivery.id, endpointId: delivery.endpointId, attempt: 1, event };
          return this.nats.publishJson(this.nats.names.delivery(event.appId, delivery.endpointId), message, { msgId: `${delivery.id}:1` });
        }),
      );
      msg.ack();
    } catch (error) {
      this.logger.warn(`fan-out of ${event.id} failed, will retry: ${(error as Error).message}`);
      msg.nak(RETRY_DELAY_MS);
    }
  }
}
