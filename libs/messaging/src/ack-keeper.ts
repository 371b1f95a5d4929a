import { JsMsg } from '@nats-io/jetstream';

/**
 * Tells JetStream "still working" for every message held longer than a third of the ack wait,
 * so a slow attempt or a parked wait is not redelivered to another replica meanwhile, while a
 * killed replica's messages still come back after one ack wait.
 */
export class AckKeeper {
  private readonly held = new Map<JsMsg, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly ackWaitMs: number) {
    this.timer = setInterval(() => this.extend(), Math.max(500, ackWaitMs / 3));
    this.timer.unref();
  }

  hold(msg: JsMsg): void {
    this.held.set(msg, Date.now());
  }

  release(msg: JsMsg): void {
    this.held.delete(msg);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private extend(): void {
    const threshold = Date.now() - this.ackWaitMs / 3;
    for (const [msg, since] of this.held) {
      if (since <= threshold) {
        msg.working();
        this.held.set(msg, Date.now());
      }
    }
  }
}
