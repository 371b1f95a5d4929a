import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DeliveryPublisher } from '@herald/messaging';
import { DeliveryRepository } from '@herald/persistence';

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
    await this.publisher.publishAll(
      due.map((d) => ({ deliveryId: d.id, endpointId: d.endpointId, attempt: d.attempt, event: d.event, requeue: true })),
    );
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
