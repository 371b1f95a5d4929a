import { Injectable, Logger, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { EndpointConfigMessage } from '@herald/contracts';
import { decodeJson, NatsService } from '@herald/messaging';
import { openSecrets } from '@herald/platform';
import { ConsumerMessages, DeliverPolicy } from '@nats-io/jetstream';
import { EndpointIndex } from './endpoint-index';

interface PendingSync {
  startedAt: number;
  done: Promise<void>;
}

const MIN_SYNC_INTERVAL_MS = 2;

/** A sync waits at most this long for the feed to reach the stream's head. */
const SYNC_TIMEOUT_MS = 5000;

/** Deliveries to an endpoint whose config cannot be read are parked this long (plus jitter), then looked at again. */
const UNREADABLE_PARK_MS = 60_000;

/**
 * Follows HERALD_CONFIG into the in-memory EndpointIndex. ensureCurrent() gives read-your-writes:
 * any endpoint change stored before a message was received is applied before it is routed, so
 * an event published right after creating an endpoint reaches it. One stream-info request is
 * shared by every message received before it started.
 */
@Injectable()
export class ConfigFeed implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ConfigFeed.name);
  readonly index = new EndpointIndex();
  private appliedSeq = 0;
  /** Endpoint ids whose latest config message this dispatcher could not read. */
  private readonly unreadable = new Set<string>();
  private waiters: { seq: number; resolve: () => void }[] = [];
  private messages?: ConsumerMessages;
  /** The sync in flight or last done, and the one queued behind it. */
  private current?: PendingSync;
  private next?: PendingSync;
  private synced = false;

  constructor(private readonly nats: NatsService) {}

  async onApplicationBootstrap(): Promise<void> {
    const consumer = await this.nats.js.consumers.get(this.nats.names.streams.config, { deliver_policy: DeliverPolicy.All });
    this.messages = await consumer.consume();
    void this.follow(this.messages);
    await this.ensureCurrent(performance.now());
    this.synced = true;
    this.logger.log(`endpoint index loaded: ${this.index.size} endpoints`);
  }

  beforeApplicationShutdown(): void {
    void this.messages?.close();
  }

  /**
   * True once the index has caught up with the stream at start-up and could read some endpoint:
   * if it can read none (most likely another HERALD_ENCRYPTION_KEY), it serves nobody.
   */
  isReady(): boolean {
    if (!this.synced) return false;
    let unreadableInIndex = 0;
    for (const id of this.unreadable) if (this.index.get(id)) unreadableInIndex += 1;
    return this.unreadable.size === 0 || this.index.size > unreadableInIndex;
  }

  get unreadableCount(): number {
    return this.unreadable.size;
  }

  /**
   * When a delivery to this endpoint should be tried again, if its latest config message could
   * not be read: it waits (parked) until a readable version arrives, instead of being sent with
   * stale settings or failed.
   */
  parkedUntil(endpointId: string): Date | undefined {
    if (!this.unreadable.has(endpointId)) return undefined;
    return new Date(Date.now() + UNREADABLE_PARK_MS + Math.random() * 5000);
  }

  /**
   * Resolves once every config change stored before `receivedAt` (performance.now()) is applied.
   * Messages received while a sync is in flight share the next one, so under load there is
   * one stream-info request at a time (and at most one per MIN_SYNC_INTERVAL_MS), not one per
   * message.
   */
  async ensureCurrent(receivedAt: number): Promise<void> {
    const current = this.current;
    if (current && current.startedAt >= receivedAt) return current.done;
    if (!this.next) {
      // At most one sync every MIN_SYNC_INTERVAL_MS: under load that bounds the stream-info
      // requests to five hundred a second, for at most that much added latency.
      const earliest = (current?.startedAt ?? 0) + MIN_SYNC_INTERVAL_MS;
      const after = (current?.done.catch(() => undefined) ?? Promise.resolve()).then(() => {
        const wait = earliest - performance.now();
        return wait > 0 ? new Promise<void>((resolve) => setTimeout(resolve, wait)) : undefined;
      });
      const next: PendingSync = { startedAt: Number.POSITIVE_INFINITY, done: Promise.resolve() };
      next.done = after.then(() => {
        next.startedAt = performance.now();
        this.current = next;
        this.next = undefined;
        return this.sync();
      });
      this.next = next;
    }
    return this.next.done;
  }

  private async sync(): Promise<void> {
    const info = await this.nats.jsm.streams.info(this.nats.names.streams.config);
    const target = info.state.last_seq;
    if (this.appliedSeq >= target) return;
    let timer: NodeJS.Timeout | undefined;
    const reached = new Promise<void>((resolve) => this.waiters.push({ seq: target, resolve }));
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, SYNC_TIMEOUT_MS)));
    await Promise.race([reached, timeout]);
    clearTimeout(timer);
    if (this.appliedSeq < target) this.logger.warn(`config feed at ${this.appliedSeq}, stream at ${target}: routing with what is loaded`);
  }

  private async follow(messages: ConsumerMessages): Promise<void> {
    for await (const msg of messages) {
      // The subject names the endpoint even when the body cannot be read.
      const endpointId = msg.subject.slice(msg.subject.lastIndexOf('.') + 1);
      let message: EndpointConfigMessage | undefined;
      try {
        message = decodeJson<EndpointConfigMessage>(msg.data);
        // What was indexed from an unreadable message has sealed secrets: never keep it.
        if (this.unreadable.has(endpointId)) this.index.forget(endpointId);
        this.index.apply(message.kind === 'endpoint.upserted' ? { ...message, endpoint: openSecrets(message.endpoint) } : message);
        this.unreadable.delete(endpointId);
      } catch (error) {
        // Corrupt, or sealed under another HERALD_ENCRYPTION_KEY than this dispatcher's. Only
        // this endpoint waits: its routing (which is not sealed) is kept when the JSON is
        // readable, so its events still get deliveries, and those are parked (parkedUntil).
        if (message?.kind === 'endpoint.upserted') this.index.apply(message);
        this.unreadable.add(endpointId);
        this.logger.error(
          `endpoint ${endpointId}: unreadable config message ${msg.seq}, its deliveries are parked until a readable version arrives ` +
            `(is HERALD_ENCRYPTION_KEY the same as the subscriptions app's?): ${(error as Error).message}`,
        );
      }
      this.appliedSeq = msg.info.streamSequence;
      if (this.waiters.length > 0) {
        const due = this.waiters.filter((w) => w.seq <= this.appliedSeq);
        this.waiters = this.waiters.filter((w) => w.seq > this.appliedSeq);
        for (const waiter of due) waiter.resolve();
      }
    }
  }
}
