import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
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
}

export interface FeedSubscriber {
  filter: FeedFilter;
  send(message: FeedMessage): void;
}

/** The message types of delivery outcomes match filters like event types do (`delivery.*`). */
export function wants(filter: FeedFilter, message: FeedMessage): boolean {
  if (!filter.active) return false;
  if (filter.appId !== null && filter.appId !== message.appId) return false;
  return filter.eventTypes.some((f) => matchesEventType(f, message.type));
}

/**
 * Follows HERALD_EVENTS and HERALD_OUTCOMES from "now" with ordered consumers (every gateway
 * replica gets everything) and hands each message to the subscribers that want it.
 */
@Injectable()
export class FeedService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(FeedService.name);
  private readonly subscribers = new Set<FeedSubscriber>();
  private readonly feeds: ConsumerMessages[] = [];

  constructor(private readonly nats: NatsService) {}

  async onApplicationBootstrap(): Promise<void> {
    const { streams } = this.nats.names;
    await this.follow(streams.events, (data, seq) => {
      const event = decodeJson<EventMessage>(data);
      return {
        type: event.eventType,
        appId: event.appId,
        eventId: event.id,
        payload: event.payload,
        timestamp: event.occurredAt,
        seq: `e${seq}`,
      };
    });
    await this.follow(streams.outcomes, (data, seq) => {
      const outcome = decodeJson<OutcomeMessage>(data);
      return { type: outcome.type, appId: outcome.appId, payload: outcome.payload, timestamp: outcome.timestamp, seq: `o${seq}` };
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.feeds.map((feed) => feed.close()));
  }

  add(subscriber: FeedSubscriber): void {
    this.subscribers.add(subscriber);
  }

  remove(subscriber: FeedSubscriber): void {
    this.subscribers.delete(subscriber);
  }

  get clientCount(): number {
    return this.subscribers.size;
  }

  private async follow(stream: string, toMessage: (data: Uint8Array, seq: number) => FeedMessage): Promise<void> {
    const consumer = await this.nats.js.consumers.get(stream, { deliver_policy: DeliverPolicy.New });
    const messages = await consumer.consume();
    this.feeds.push(messages);
    void (async () => {
      for await (const msg of messages) {
        let message: FeedMessage;
        try {
          message = toMessage(msg.data, msg.info.streamSequence);
        } catch (error) {
          this.logger.error(`unreadable message ${msg.seq} on ${stream}: ${(error as Error).message}`);
          continue;
        }
        for (const subscriber of this.subscribers) if (wants(subscriber.filter, message)) subscriber.send(message);
      }
    })();
  }
}
