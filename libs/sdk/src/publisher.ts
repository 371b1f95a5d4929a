import { jetstream, JetStreamClient } from '@nats-io/jetstream';
import { errors as natsErrors, headers as natsHeaders, NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';

/** One event to publish (the body of `POST /v1/apps/{appId}/events`). */
export interface PublishEvent {
  eventType: string;
  payload: Record<string, unknown>;
  /** Makes the publish idempotent: a repeat is a duplicate and delivers nothing again. */
  id?: string;
  channels?: string[];
  occurredAt?: string;
}

/** What a publish returned. Over HTTP, ingest's answer; over NATS, where JetStream stored it. */
export type PublishResult =
  | { transport: 'http'; id: string; eventType: string; occurredAt: string; createdAt: string; duplicate: boolean }
  | { transport: 'nats'; id: string | null; stream: string; seq: number; duplicate: boolean };

interface Common {
  /** Attempts after the first when the publish times out or nobody answers (default 5). */
  retries?: number;
  /** The first retry's wait in ms; each next one doubles it (default 200). */
  backoffMs?: number;
}

export type HeraldPublisherOptions =
  | (Common & {
      transport: 'nats';
      /** Default `nats://127.0.0.1:4222`; ignored when `connection` is given. */
      natsUrl?: string;
      /** An existing connection to reuse (not closed by `close()`). */
      connection?: NatsConnection;
      /** The installation's HERALD_NATS_NAMESPACE, if any. */
      namespace?: string;
      /** How long to wait for JetStream's ack (default 5000 ms). */
      ackTimeoutMs?: number;
    })
  | (Common & {
      transport: 'http';
      /** The ingest app's base URL, e.g. `http://127.0.0.1:8081`. */
      ingestUrl: string;
      token: string;
      timeoutMs?: number;
    });

/** A publish that failed for good: `code` says why (the API's status, or the transport's failure). */
export class HeraldPublishError extends Error {
  constructor(
    readonly code: 'timeout' | 'no_responders' | 'http_status' | 'network',
    message: string,
    readonly status: number | null = null,
    readonly problem: unknown = null,
  ) {
    super(message);
    this.name = 'HeraldPublishError';
  }
}

const RETRYABLE_STATUS = new Set([408, 429, 502, 503, 504]);

/**
 * Publishes events to Herald from any Node service: over NATS intake (`herald.ingest.{app}`,
 * resolved once JetStream stored the message) or over the ingest HTTP API. Timeouts and
 * no-responders are retried with exponential backoff; each publish carries one de-duplication
 * key across its retries (the event `id` when given), so a retry never publishes twice.
 */
export class HeraldPublisher {
  private connecting?: Promise<{ connection: NatsConnection; js: JetStreamClient }>;

  constructor(private readonly options: HeraldPublisherOptions) {}

  /** Publishes one event to an app (id or uid). */
  async publish(app: string, event: PublishEvent): Promise<PublishResult> {
    return this.options.transport === 'nats' ? this.publishNats(app, event) : this.publishHttp(app, event);
  }

  /** Publishes several events, in order; over HTTP, up to 500 in one request (`/events/batch`). */
  async publishBatch(app: string, events: PublishEvent[]): Promise<(PublishResult | { error: unknown })[]> {
    if (this.options.transport === 'nats') return Promise.all(events.map((event) => this.publishNats(app, event)));
    const results: (PublishResult | { error: unknown })[] = [];
    for (let start = 0; start < events.length; start += 500) {
      const chunk = events.slice(start, start + 500);
      const answer = (await this.http(`/v1/apps/${encodeURIComponent(app)}/events/batch`, { events: chunk }, randomUUID())) as {
        data: (Record<string, unknown> | { error: unknown })[];
      };
      for (const item of answer.data) {
        results.push('error' in item ? { error: item.error } : ({ transport: 'http', ...item } as PublishResult));
      }
    }
    return results;
  }

  /** Closes the NATS connection the publisher opened (not one it was given). */
  async close(): Promise<void> {
    if (this.options.transport !== 'nats' || this.options.connection || !this.connecting) return;
    const { connection } = await this.connecting;
    await connection.drain();
  }

  private async publishNats(app: string, event: PublishEvent): Promise<PublishResult> {
    const options = this.options as Extract<HeraldPublisherOptions, { transport: 'nats' }>;
    const { js } = await this.nats();
    const prefix = options.namespace ? `${options.namespace}.` : '';
    const data = new TextEncoder().encode(JSON.stringify(event));
    // One Nats-Msg-Id for every try: JetStream keeps one copy even if an ack was lost on the way back.
    const msgId = event.id !== undefined ? `${app}:${event.id}` : randomUUID();
    const hdrs = natsHeaders();
    hdrs.set('Nats-Msg-Id', msgId);
    const ack = await this.withRetries(async () => {
      try {
        return await js.publish(`${prefix}herald.ingest.${app}`, data, { headers: hdrs, timeout: options.ackTimeoutMs ?? 5000 });
      } catch (error) {
        throw natsFailure(error);
      }
    });
    return { transport: 'nats', id: event.id ?? null, stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
  }

  private async publishHttp(app: string, event: PublishEvent): Promise<PublishResult> {
    const answer = await this.http(`/v1/apps/${encodeURIComponent(app)}/events`, event, event.id ?? randomUUID());
    return { transport: 'http', ...(answer as Omit<Extract<PublishResult, { transport: 'http' }>, 'transport'>) };
  }

  private async http(path: string, body: unknown, idempotencyKey: string): Promise<unknown> {
    const options = this.options as Extract<HeraldPublisherOptions, { transport: 'http' }>;
    return this.withRetries(async () => {
      let response: Response;
      try {
        response = await fetch(`${options.ingestUrl.replace(/\/$/, '')}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
      } catch (error) {
        const timedOut = (error as Error).name === 'TimeoutError';
        throw new HeraldPublishError(timedOut ? 'timeout' : 'network', `publish failed: ${(error as Error).message}`);
      }
      const text = await response.text();
      const parsed: unknown = text ? JSON.parse(text) : null;
      if (!response.ok) {
        const detail = (parsed as { detail?: string } | null)?.detail ?? response.statusText;
        throw new HeraldPublishError('http_status', `publish refused (${response.status}): ${detail}`, response.status, parsed);
      }
      return parsed;
    });
  }

  private async withRetries<T>(attempt: () => Promise<T>): Promise<T> {
    const retries = this.options.retries ?? 5;
    let wait = this.options.backoffMs ?? 200;
    for (let tried = 0; ; tried += 1) {
      try {
        return await attempt();
      } catch (error) {
        if (tried >= retries || !retryable(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, wait * (0.8 + Math.random() * 0.4)));
        wait *= 2;
      }
    }
  }

  private nats(): Promise<{ connection: NatsConnection; js: JetStreamClient }> {
    const options = this.options as Extract<HeraldPublisherOptions, { transport: 'nats' }>;
    this.connecting ??= (async () => {
      const connection =
        options.connection ?? (await connect({ servers: (options.natsUrl ?? 'nats://127.0.0.1:4222').split(','), name: 'herald-sdk' }));
      return { connection, js: jetstream(connection) };
    })();
    return this.connecting;
  }
}

function retryable(error: unknown): boolean {
  if (!(error instanceof HeraldPublishError)) return false;
  if (error.code === 'http_status') return error.status !== null && RETRYABLE_STATUS.has(error.status);
  return true;
}

/** JetStream's publish errors as the publisher's: nobody took the message, or no ack in time (both retried). */
function natsFailure(error: unknown): unknown {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    // JetStream reports no responders as JetStreamNotEnabled, with the request's error as its cause.
    if (current instanceof natsErrors.NoRespondersError || (current instanceof natsErrors.RequestError && current.isNoResponders())) {
      return new HeraldPublishError(
        'no_responders',
        'no JetStream stream took the message (is Herald provisioned, and the namespace right?)',
      );
    }
    if (current instanceof natsErrors.TimeoutError)
      return new HeraldPublishError('timeout', 'JetStream did not acknowledge the message in time');
  }
  return error;
}
