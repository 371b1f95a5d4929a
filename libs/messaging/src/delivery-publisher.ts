import { Injectable } from '@nestjs/common';
import { DeliveryMessage, EventMessage, IdPrefix, newId } from '@herald/contracts';
import { PubAck } from '@nats-io/jetstream';
import { NatsService } from './nats.service';

/** A delivery to queue on HERALD_DELIVERIES. */
export interface DeliveryToQueue {
  deliveryId: string;
  endpointId: string;
  attempt: number;
  event: EventMessage;
  /** An operator's retry, replay or test: bypasses the circuit breaker. */
  manual?: boolean;
  /**
   * Set when the same delivery may be queued again on purpose (a retry, a parked delivery
   * coming back): makes the message id unique to this queueing. Without it the id is
   * (delivery, attempt), so a fan-out re-run after a crash is dropped as a duplicate.
   */
  requeue?: boolean;
  /** A batch being retried whole (DeliveryMessage.batch). */
  batch?: DeliveryMessage['batch'];
}

/** Queues deliveries for the delivery workers; many publishes are kept in flight at once. */
@Injectable()
export class DeliveryPublisher {
  constructor(private readonly nats: NatsService) {}

  /** Queues one delivery (see DeliveryToQueue.requeue for its message id). */
  publish(delivery: DeliveryToQueue): Promise<PubAck> {
    const message: DeliveryMessage = {
      deliveryId: delivery.deliveryId,
      endpointId: delivery.endpointId,
      attempt: delivery.attempt,
      event: delivery.event,
      ...(delivery.manual ? { manual: true } : {}),
      ...(delivery.batch ? { batch: delivery.batch } : {}),
    };
    const msgId = delivery.requeue
      ? `${delivery.deliveryId}:${delivery.attempt}:${newId(IdPrefix.delivery)}`
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
