import { Logger } from '@nestjs/common';
import { DeliveryRepository } from '@herald/persistence';

/**
 * Keeps the leases of first attempts in hand (see DeliveryRepository.insertFanout): every
 * third of the lease, deliveries held longer than that get a fresh one, so a slow attempt is
 * not queued a second time by the RetryScheduler, while a killed dispatcher's deliveries still
 * come back one lease later. The database side of what AckKeeper does for JetStream messages.
 */
export class LeaseKeeper {
  private readonly held = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private renewing = false;

  constructor(
    private readonly deliveries: DeliveryRepository,
    readonly leaseSeconds: number,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => void this.renew(), Math.max(500, (leaseSeconds * 1000) / 3));
    this.timer.unref();
  }

  hold(deliveryId: string): void {
    this.held.set(deliveryId, Date.now());
  }

  release(deliveryId: string): void {
    this.held.delete(deliveryId);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async renew(): Promise<void> {
    if (this.renewing) return;
    this.renewing = true;
    const threshold = Date.now() - (this.leaseSeconds * 1000) / 3;
    const due = [...this.held].filter(([, since]) => since <= threshold).map(([id]) => id);
    try {
      await this.deliveries.renewLeases(due, this.leaseSeconds);
      const now = Date.now();
      for (const id of due) if (this.held.has(id)) this.held.set(id, now);
    } catch (error) {
      this.logger.warn(`could not renew ${due.length} delivery leases: ${(error as Error).message}`);
    } finally {
      this.renewing = false;
    }
  }
}
