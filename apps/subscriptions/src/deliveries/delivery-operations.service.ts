import { Injectable } from '@nestjs/common';
import { deliveryIdFor, hasIdShape, IdPrefix, newId } from '@herald/contracts';
import { DeliveryPublisher } from '@herald/messaging';
import { DeliveryRepository, DeliveryWithAttempts, EndpointStats, EventTypeRepository, QueuedDelivery } from '@herald/persistence';
import { NotFoundProblem } from '@herald/platform';
import { samplePayload, TEST_EVENT_TYPE } from '../event-types/sample-event';

/** The most deliveries one replay request queues. */
export const MAX_REPLAY = 10_000;

/** Operator actions on deliveries: retry now, replay a window, send a test event, stats. */
@Injectable()
export class DeliveryOperationsService {
  constructor(
    private readonly deliveries: DeliveryRepository,
    private readonly publisher: DeliveryPublisher,
    private readonly eventTypes: EventTypeRepository,
  ) {}

  /** The app's delivery with its attempts; 404 otherwise. */
  async get(appId: string, deliveryId: string): Promise<DeliveryWithAttempts> {
    const delivery = hasIdShape(IdPrefix.delivery, deliveryId) ? await this.deliveries.findWithAttempts(appId, deliveryId) : null;
    if (!delivery) throw new NotFoundProblem('delivery');
    return delivery;
  }

  /** One more attempt now, whatever the delivery's status. */
  async retry(appId: string, deliveryId: string): Promise<{ id: string; attempt: number }> {
    if (!hasIdShape(IdPrefix.delivery, deliveryId)) throw new NotFoundProblem('delivery');
    const delivery = await this.deliveries.reopen(appId, deliveryId);
    if (!delivery) throw new NotFoundProblem('delivery');
    await this.queue([delivery], true);
    return { id: delivery.id, attempt: delivery.attempt };
  }

  /** Sends an endpoint's deliveries of events in [since, until) again (only failed ones unless `all`). */
  async replay(appId: string, endpointId: string, since: Date, until: Date, all: boolean): Promise<number> {
    const reopened = await this.deliveries.reopenWindow(appId, endpointId, since, until, all, MAX_REPLAY);
    await this.queue(reopened, false);
    return reopened.length;
  }

  /**
   * A test send: `payload`, or else the event type's `example`, or else a generic message.
   * Returns the delivery id.
   */
  async sendTest(appId: string, endpointId: string, eventType = TEST_EVENT_TYPE, payload?: Record<string, unknown>): Promise<string> {
    return this.test(appId, endpointId, eventType, payload ?? (await samplePayload(this.eventTypes, eventType)));
  }

  /** A real, recorded delivery of a sample event to this one endpoint. */
  async test(appId: string, endpointId: string, eventType: string, payload: Record<string, unknown>): Promise<string> {
    const now = new Date().toISOString();
    const event = { id: newId(IdPrefix.event), appId, eventType, payload, channels: null, occurredAt: now, createdAt: now };
    const deliveryId = deliveryIdFor(event.id, endpointId, event.createdAt);
    await this.deliveries.insertFanout([event], [{ id: deliveryId, appId, eventId: event.id, endpointId, eventType }]);
    await this.publisher.publish({ deliveryId, endpointId, attempt: 1, event, manual: true, requeue: true });
    return deliveryId;
  }

  stats(appId: string, endpointId: string, since: Date): Promise<EndpointStats> {
    return this.deliveries.stats(appId, endpointId, since);
  }

  private async queue(deliveries: QueuedDelivery[], manual: boolean): Promise<void> {
    await this.publisher.publishAll(
      deliveries.map((d) => ({ deliveryId: d.id, endpointId: d.endpointId, attempt: d.attempt, event: d.event, manual, requeue: true })),
    );
    await this.deliveries.markQueued(deliveries);
  }
}
