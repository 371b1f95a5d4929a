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
/** How long a sync waits for the feed before reading the missing messages itself. */
const FEED_GRACE_MS = 100;
/** At most this many missing messages are read directly; a longer gap waits for the feed. */
const MAX_DIRECT_READS = 500;

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
  /** Per endpoint, the stream sequence of the config message applied last. */
  private readonly appliedOf = new Map<string, number>();
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
    const stream = this.nats.names.streams.config;
    const info = await this.nats.jsm.streams.info(stream);
    const target = info.state.last_seq;
    if (this.appliedSeq >= target) return;
    // Normally the feed brings the missing messages within a few milliseconds.
    if (await this.reach(target, FEED_GRACE_MS)) return;
    if (target - this.appliedSeq <= MAX_DIRECT_READS) {
      // The feed is behind (a stalled or reset consumer): routing must not wait on it, so read
      // what is missing straight from the stream. The feed applies them again later, harmlessly.
      this.logger.warn(`config feed at ${this.appliedSeq}, stream at ${target}: reading the missing messages directly`);
      const seqs = Array.from({ length: target - this.appliedSeq }, (_, i) => this.appliedSeq + 1 + i);
      // A message replaced since by a newer one for its endpoint is gone (null): the newer one is in range too.
      const stored = await Promise.all(seqs.map((seq) => this.nats.jsm.streams.getMessage(stream, { seq })));
      for (const msg of stored) if (msg) this.applyMessage(msg.subject, msg.data, msg.seq);
      this.advance(target);
      return;
    }
    if (!(await this.reach(target, SYNC_TIMEOUT_MS))) {
      this.logger.warn(`config feed at ${this.appliedSeq}, stream at ${target}: routing with what is loaded`);
    }
  }

  /** Resolves true once the feed applied `seq`, false after `timeoutMs`. */
  private async reach(seq: number, timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const reached = new Promise<boolean>((resolve) => this.waiters.push({ seq, resolve: () => resolve(true) }));
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const result = await Promise.race([reached, timeout]);
    clearTimeout(timer);
    return result;
  }

  private advance(seq: number): void {
    if (seq <= this.appliedSeq) return;
    this.appliedSeq = seq;
    if (this.waiters.length > 0) {
      const due = this.waiters.filter((w) => w.seq <= this.appliedSeq);
      this.waiters = this.waiters.filter((w) => w.seq > this.appliedSeq);
      for (const waiter of due) waiter.resolve();
    }
  }

  private async follow(messages: ConsumerMessages): Promise<void> {
    for await (const msg of messages) {
      this.applyMessage(msg.subject, msg.data, msg.info.streamSequence);
      this.advance(msg.info.streamSequence);
    }
  }

  /** Applies one config message unless a later one of its endpoint was applied already (by the feed or a direct read). */
  private applyMessage(subject: string, data: Uint8Array, seq: number): void {
    // The subject names the endpoint even when the body cannot be read.
    const endpointId = subject.slice(subject.lastIndexOf('.') + 1);
    if ((this.appliedOf.get(endpointId) ?? 0) >= seq) return;
    this.appliedOf.set(endpointId, seq);
    let message: EndpointConfigMessage | undefined;
    try {
      message = decodeJson<EndpointConfigMessage>(data);
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
        `endpoint ${endpointId}: unreadable config message ${seq}, its deliveries are parked until a readable version arrives ` +
          `(is HERALD_ENCRYPTION_KEY the same as the subscriptions app's?): ${(error as Error).message}`,
      );
    }
  }
}
