import { BeforeApplicationShutdown, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { decodeJson } from './json';
import { NatsService } from './nats.service';
import { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { AckKeeper } from './ack-keeper';
import { Semaphore } from './concurrency';

/** What a worker does with one decoded message; it acks or naks it itself. */
export type MessageHandler<T> = (message: T, msg: JsMsg, receivedAt: number) => Promise<void>;

/**
 * One durable pull consumer driven by a worker: at most `held` messages are handled at once
 * (each told "still working" to JetStream while held), a message that is not JSON is
 * terminated rather than redelivered forever, and shutdown waits for what is in hand.
 */
export class DurableConsumer<T> {
  private readonly slots: Semaphore;
  private readonly acks: AckKeeper;
  private messages?: ConsumerMessages;
  private consuming = false;
  /** Messages in hand right now. */
  held = 0;

  constructor(
    private readonly nats: NatsService,
    private readonly stream: string,
    private readonly consumer: string,
    private readonly options: {
      held: number;
      maxMessages: number;
      ackWaitSeconds: number;
      /** What to do with a message that is not JSON; by default it is terminated. */
      onUndecodable?: (msg: JsMsg) => Promise<void>;
    },
    private readonly handle: MessageHandler<T>,
    private readonly logger: Logger,
  ) {
    this.slots = new Semaphore(options.held);
    this.acks = new AckKeeper(options.ackWaitSeconds * 1000);
  }

  async start(): Promise<void> {
    const consumer = await this.nats.js.consumers.get(this.stream, this.consumer);
    this.messages = await consumer.consume({ max_messages: this.options.maxMessages });
    void this.run(this.messages);
  }

  async stop(): Promise<void> {
    await this.messages?.close();
    await this.slots.idle();
    this.acks.stop();
  }

  /** True while the consumer is being read (readiness). */
  isConsuming(): boolean {
    return this.consuming;
  }

  private async run(messages: ConsumerMessages): Promise<void> {
    this.consuming = true;
    try {
      for await (const msg of messages) {
        const receivedAt = performance.now();
        await this.slots.acquire();
        this.held += 1;
        this.acks.hold(msg);
        void this.dispatch(msg, receivedAt).finally(() => {
          this.acks.release(msg);
          this.held -= 1;
          this.slots.release();
        });
      }
    } finally {
      this.consuming = false;
    }
  }

  private async dispatch(msg: JsMsg, receivedAt: number): Promise<void> {
    let message: T;
    try {
      message = decodeJson<T>(msg.data);
    } catch {
      if (this.options.onUndecodable) return this.options.onUndecodable(msg);
      this.logger.error(`message ${msg.seq} on ${this.stream} is not JSON; terminating it`);
      msg.term('not JSON');
      return;
    }
    await this.handle(message, msg, receivedAt);
  }
}

/**
 * A provider driven by one DurableConsumer: it consumes from the application's start and drains
 * what it holds at shutdown. Subclasses set `consumer` in their constructor.
 */
export abstract class ConsumerWorker<T> implements OnApplicationBootstrap, BeforeApplicationShutdown {
  protected abstract readonly consumer: DurableConsumer<T>;

  async onApplicationBootstrap(): Promise<void> {
    await this.consumer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer.stop();
  }

  /** True while the consumer is being read (readiness). */
  isConsuming(): boolean {
    return this.consumer.isConsuming();
  }
}
