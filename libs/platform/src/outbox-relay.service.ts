import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { NatsService } from '@herald/messaging';
import { OutboxRepository } from '@herald/persistence';

const BATCH = 100;
const POLL_MS = 1000;
/** How long a request waits for its change to reach NATS before answering anyway. */
const FLUSH_WAIT_MS = 3000;

/**
 * Publishes outbox rows to JetStream. Writers call flush() after their transaction commits, so
 * the change is on the stream before the API answers; a poll picks up anything left behind
 * by a crash or a NATS outage.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private running: Promise<void> = Promise.resolve();
  private queued?: Promise<void>;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly nats: NatsService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.flush(), POLL_MS);
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Relays everything committed so far; waits at most a few seconds, then leaves it to the poll. */
  async flush(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, FLUSH_WAIT_MS)));
    await Promise.race([this.queueDrain(), timeout]);
    clearTimeout(timer);
  }

  /**
   * A drain that starts after the one in progress (so it sees rows committed before this call).
   * Callers arriving while one is already queued share it, so an outage cannot pile them up.
   */
  private queueDrain(): Promise<void> {
    if (!this.queued) {
      const queued = this.running.then(() => {
        this.queued = undefined;
        this.running = this.drain();
        return this.running;
      });
      this.queued = queued;
    }
    return this.queued;
  }

  private async drain(): Promise<void> {
    try {
      while ((await this.outbox.relay(BATCH, (rows) => this.publish(rows))) === BATCH);
    } catch (error) {
      this.logger.warn(`outbox relay failed, will retry: ${(error as Error).message}`);
    }
  }

  private async publish(rows: { subject: string; msgId: string; payload: unknown }[]): Promise<void> {
    // In order: the config stream keeps the last message per subject.
    for (const row of rows) await this.nats.publishJson(row.subject, row.payload, { msgId: row.msgId });
  }
}
