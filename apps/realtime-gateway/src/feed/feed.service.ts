import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { EventMessage, matchesEventType, OutcomeMessage } from '@herald/contracts';
import { decodeJson, NatsService } from '@herald/messaging';
import { ConsumerMessages, DeliverPolicy } from '@nats-io/jetstream';

/** One message of the live feed, in API.md's shape. */
export interface FeedMessage {
  type: string;
  appId: string;
  seq: string;
  timestamp: string;
  eventId?: string;
  payload: unknown;
}

/** What a client currently wants from the feed. */
export interface FeedFilter {
  active: boolean;
  eventTypes: string[];
  appId: string | null;
  /** The one app an app token may see; null for the admin. */
  scope: string | null;
}

export interface FeedSubscriber {
  filter: FeedFilter;
  send(message: FeedMessage): void;
  /** While catching up: live messages wait here, with their stream positions, for after the replay. */
  buffer?: { kind: StreamKind; streamSeq: number; message: FeedMessage }[];
}

type StreamKind = 'events' | 'outcomes';
type Positions = Record<StreamKind, number>;

/** The most messages one catch-up replays from each stream. */
const MAX_REPLAY = 10_000;
/** A replay stops waiting for the next message after this long (the stream has no more). */
const REPLAY_IDLE_MS = 1000;
/** With no client connected for this long, the gateway stops following the streams. */
const IDLE_STOP_MS = 30_000;

/** Why a `since` could not be used. */
export class CatchUpError extends Error {}

/** The message types of delivery outcomes match filters like event types do (`delivery.*`). */
export function wants(filter: FeedFilter, message: FeedMessage): boolean {
  if (!filter.active) return false;
  if (filter.scope !== null && filter.scope !== message.appId) return false;
  if (filter.appId !== null && filter.appId !== message.appId) return false;
  return filter.eventTypes.some((f) => matchesEventType(f, message.type));
}

/**
 * Follows HERALD_EVENTS and HERALD_OUTCOMES with ordered consumers (every gateway replica gets
 * everything) while at least one client is connected, and hands each message to the
 * subscribers that want it. A gateway nobody is connected to reads nothing: following starts
 * with the first client (from the streams' end at that moment, before its `connection`
 * message) and stops IDLE_STOP_MS after the last one left.
 */
@Injectable()
export class FeedService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(FeedService.name);
  private readonly subscribers = new Set<FeedSubscriber>();
  private readonly feeds: ConsumerMessages[] = [];
  /** The last stream sequence this gateway has seen of each stream: every message's `seq` is both. */
  private readonly positions: Positions = { events: 0, outcomes: 0 };
  /** True from the first client until following stops; `lifecycle` orders the starts and stops. */
  private following = false;
  private lifecycle: Promise<void> = Promise.resolve();
  private idleTimer?: NodeJS.Timeout;

  constructor(private readonly nats: NatsService) {}

  async beforeApplicationShutdown(): Promise<void> {
    clearTimeout(this.idleTimer);
    await this.lifecycle;
    await this.stopFollowing();
  }

  /**
   * Starts following the streams unless they are followed already; resolves once they are. The
   * gateway calls it before it accepts a WebSocket upgrade, so an open socket misses nothing.
   */
  ensureFollowing(): Promise<void> {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (!this.following) {
      this.following = true;
      this.lifecycle = this.lifecycle.then(() =>
        this.startFollowing().catch((error: unknown) => {
          // The next client tries again; meanwhile readiness reports NATS.
          this.following = false;
          this.logger.error(`cannot follow the streams: ${(error as Error).message}`);
        }),
      );
    }
    // An upgrade that never becomes a subscriber must not keep the streams followed.
    if (this.subscribers.size === 0) this.stopWhenIdle();
    return this.lifecycle;
  }

  add(subscriber: FeedSubscriber): void {
    this.subscribers.add(subscriber);
    void this.ensureFollowing();
  }

  remove(subscriber: FeedSubscriber): void {
    this.subscribers.delete(subscriber);
    if (this.subscribers.size === 0) this.stopWhenIdle();
  }

  private stopWhenIdle(): void {
    if (!this.following || this.idleTimer) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.subscribers.size > 0) return;
      this.following = false;
      this.lifecycle = this.lifecycle.then(() => this.stopFollowing());
    }, IDLE_STOP_MS);
    this.idleTimer.unref();
  }

  /** True while the streams are followed (a client is connected, or was within IDLE_STOP_MS). */
  isFollowing(): boolean {
    return this.feeds.length > 0;
  }

  get clientCount(): number {
    return this.subscribers.size;
  }

  /**
   * Replays what the subscriber missed since `since` (a `seq` this gateway handed out, or an ISO
   * time), then lets the live feed through. Live messages that arrive meanwhile wait in the
   * subscriber's buffer and are sent after the replay unless the replay already sent them, so
   * the switch has no gap and no duplicate.
   */
  async catchUp(subscriber: FeedSubscriber, since: string): Promise<number> {
    const start = parseSince(since);
    await this.lifecycle; // positions are those of the live feed
    subscriber.buffer = [];
    const replayed: Positions = { events: 0, outcomes: 0 };
    const cursor: Positions = typeof start === 'object' && 'events' in start ? { ...start } : { ...this.positions };
    let count = 0;
    try {
      for (const kind of ['events', 'outcomes'] as StreamKind[]) {
        const stream = this.stream(kind);
        const last = (await this.nats.jsm.streams.info(stream)).state.last_seq;
        const options =
          start instanceof Date
            ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: start.toISOString() }
            : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: start[kind] + 1 };
        if (!(start instanceof Date) && start[kind] >= last) continue;
        const consumer = await this.nats.js.consumers.get(stream, options);
        const messages = await consumer.consume();
        let idle: NodeJS.Timeout | undefined;
        const armIdle = () => {
          clearTimeout(idle);
          idle = setTimeout(() => void messages.close(), REPLAY_IDLE_MS);
        };
        armIdle();
        let sent = 0;
        for await (const msg of messages) {
          armIdle();
          const streamSeq = msg.info.streamSequence;
          replayed[kind] = streamSeq;
          cursor[kind] = streamSeq;
          const message = this.toMessage(kind, msg.data, cursor);
          if (message && wants(subscriber.filter, message)) {
            subscriber.send(message);
            count += 1;
          }
          sent += 1;
          if (streamSeq >= last || sent >= MAX_REPLAY) break;
        }
        clearTimeout(idle);
        await messages.close();
      }
    } finally {
      const waiting = subscriber.buffer ?? [];
      subscriber.buffer = undefined;
      for (const live of waiting) if (live.streamSeq > replayed[live.kind]) subscriber.send(live.message);
    }
    return count;
  }

  private stream(kind: StreamKind): string {
    return this.nats.names.streams[kind];
  }

  private toMessage(kind: StreamKind, data: Uint8Array, cursor: Positions): FeedMessage | null {
    const seq = `${cursor.events}.${cursor.outcomes}`;
    try {
      if (kind === 'events') {
        const event = decodeJson<EventMessage>(data);
        return { type: event.eventType, appId: event.appId, eventId: event.id, payload: event.payload, timestamp: event.occurredAt, seq };
      }
      const outcome = decodeJson<OutcomeMessage>(data);
      return { type: outcome.type, appId: outcome.appId, payload: outcome.payload, timestamp: outcome.timestamp, seq };
    } catch (error) {
      this.logger.error(`unreadable message on ${kind}: ${(error as Error).message}`);
      return null;
    }
  }

  /** Follows both streams from their current ends, with no gap between `positions` and the first message. */
  private async startFollowing(): Promise<void> {
    for (const kind of ['events', 'outcomes'] as StreamKind[]) {
      const info = await this.nats.jsm.streams.info(this.stream(kind));
      this.positions[kind] = Math.max(this.positions[kind], info.state.last_seq);
      await this.follow(kind, info.state.last_seq + 1);
    }
  }

  private async stopFollowing(): Promise<void> {
    const feeds = this.feeds.splice(0);
    await Promise.all(feeds.map((feed) => feed.close()));
  }

  private async follow(kind: StreamKind, fromSeq: number): Promise<void> {
    const consumer = await this.nats.js.consumers.get(this.stream(kind), {
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: fromSeq,
    });
    const messages = await consumer.consume();
    this.feeds.push(messages);
    void (async () => {
      for await (const msg of messages) {
        const streamSeq = msg.info.streamSequence;
        this.positions[kind] = Math.max(this.positions[kind], streamSeq);
        const message = this.toMessage(kind, msg.data, this.positions);
        if (!message) continue;
        for (const subscriber of this.subscribers) {
          if (!wants(subscriber.filter, message)) continue;
          if (subscriber.buffer) subscriber.buffer.push({ kind, streamSeq, message });
          else subscriber.send(message);
        }
      }
    })();
  }
}

/** `<eventsSeq>.<outcomesSeq>` (a `seq` of this feed) or an ISO time. */
function parseSince(since: string): Positions | Date {
  const positions = /^(\d{1,15})\.(\d{1,15})$/.exec(since);
  if (positions) return { events: Number(positions[1]), outcomes: Number(positions[2]) };
  const time = new Date(since);
  if (/^\d{4}-\d\d-\d\dT/.test(since) && !Number.isNaN(time.getTime())) return time;
  throw new CatchUpError('since must be a seq this feed handed out or an ISO 8601 time');
}
