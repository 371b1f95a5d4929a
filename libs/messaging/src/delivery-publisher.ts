import { Injectable } from '@nestjs/common';
import { DeliveryMessage, EventMessage } from '@herald/contracts';
import { PubAck } from '@nats-io/jetstream';
import { NatsService } from './nats.service';

/** A delivery to queue on HERALD_DELIVERIES. */
export interface DeliveryToQueue {
  deliveryId: string;
  endpointId: string;
  attempt: number;
  event: EventMessage;
  manual?: boolean;
}

/** Queues deliveries for the delivery workers; many publishes are kept in flight at once. */
@Injectable()
export class DeliveryPublisher {
  constructor(private readonly nats: NatsService) {}

  /**
   * Queues one delivery. The message id is (delivery, attempt), so the scheduler queueing a
   * delivery again after a crash is dropped by JetStream if the first message got through.
   * A manual retry gets a unique id: the operator asked for one more attempt.
   */
  publish(delivery: DeliveryToQueue): Promise<PubAck> {
    const message: DeliveryMessage = {
      deliveryId: delivery.deliveryId,
      endpointId: delivery.endpointId,
      attempt: delivery.attempt,
      event: delivery.event,
      ...(delivery.manual ? { manual: true } : {}),
    };
    const msgId = delivery.manual
      ? `${delivery.deliveryId}:${delivery.attempt}:manual:${Date.now()}`
      : `${delivery.deliveryId}:${delivery.attempt}`;
    return this.nats.publishJson(this.nats.names.delivery(delivery.event.appId, delivery.endpointId), message, { msgId });
  }

  /** Queues many deliveries with up to `inFlight` publishes outstanding; resolves when all are stored. */
  async publishAll(deliveries: DeliveryToQueue[], inFlight = 256): Promise<void> {
    for (let start = 0; start < deliveries.length; start += inFlight) {
      await Promise.all(deliveries.slice(start, start + inFlight).map((delivery) => this.publish(delivery)));
    }
  }
}
