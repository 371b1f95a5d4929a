import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DeliveryPublisher, DeliveryToQueue } from '@herald/messaging';
import { DeliveryRepository, QueuedDelivery } from '@herald/persistence';

const BATCH = 500;
const IDLE_POLL_MS = 250;

/**
 * Queues deliveries whose nextAttemptAt has come (retries and parked deliveries) back onto
 * HERALD_DELIVERIES. Claims use FOR UPDATE SKIP LOCKED and push the time a lease ahead, so any
 * number of dispatcher replicas run this at once without sending twice, and a crash between
 * claim and publish only delays the delivery by the lease.
 */
@Injectable()
export class RetryScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RetryScheduler.name);
  private running = false;
  private loop?: Promise<void>;

  constructor(
    private readonly deliveries: DeliveryRepository,
    private readonly publisher: DeliveryPublisher,
  ) {}

  onApplicationBootstrap(): void {
    this.running = true;
    this.loop = this.run();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** Queues what is due now; returns how many. */
  async tick(): Promise<number> {
    const due = await this.deliveries.claimDue(BATCH);
    await this.publisher.publishAll(toMessages(due));
    await this.deliveries.markQueued(due);
    return due.length;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let queued = 0;
      try {
        queued = await this.tick();
      } catch (error) {
        this.logger.warn(`retry scheduling failed, will try again: ${(error as Error).message}`);
      }
      if (queued < BATCH) await new Promise((resolve) => setTimeout(resolve, IDLE_POLL_MS));
    }
  }
}

/** One message per delivery, except deliveries last sent in a batch: one message per batch, members in their order. */
export function toMessages(due: QueuedDelivery[]): DeliveryToQueue[] {
  const batches = new Map<string, QueuedDelivery[]>();
  const messages: DeliveryToQueue[] = [];
  for (const d of due) {
    if (!d.batchId) {
      messages.push({ deliveryId: d.id, endpointId: d.endpointId, attempt: d.attempt, event: d.event, requeue: true });
      continue;
    }
    const members = batches.get(d.batchId) ?? [];
    members.push(d);
    batches.set(d.batchId, members);
  }
  for (const [batchId, members] of batches) {
    members.sort((a, b) => (a.id < b.id ? -1 : 1));
    const [first] = members;
    messages.push({
      deliveryId: first.id,
      endpointId: first.endpointId,
      attempt: first.attempt,
      event: first.event,
      requeue: true,
      batch: { batchId, members: members.map((m) => ({ deliveryId: m.id, attempt: m.attempt, event: m.event })) },
    });
  }
  return messages;
}
