import type { PubAck } from '@nats-io/jetstream';
import { createInbox, Msg, MsgHdrs, NatsConnection } from '@nats-io/nats-core';

interface Pending {
  resolve: (ack: PubAck) => void;
  reject: (error: Error) => void;
  sentAt: number;
}

/** What JetStream answers a publish with. */
interface PubAckBody {
  stream?: string;
  seq?: number;
  duplicate?: boolean;
  domain?: string;
  error?: { code: number; err_code?: number; description?: string };
}

/** A publish JetStream did not store. */
export class JetStreamPublishError extends Error {
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message);
    this.name = 'JetStreamPublishError';
  }
}

/**
 * JetStream publishes with their acknowledgements on one wildcard inbox subscription, many in
 * flight. The client's own `js.publish` makes a request object, a timer and an Error with a
 * stack trace per message (the last even on success); on the hot path of ingest and the
 * dispatcher that was a tenth of the CPU. Same wire protocol: the message with a reply subject,
 * JetStream's PubAck (or error) back on it, a 503 status when no stream takes the subject.
 */
export class JetStreamPublisher {
  private readonly prefix = `${createInbox()}.`;
  private readonly pending = new Map<string, Pending>();
  private readonly sweeper: NodeJS.Timeout;
  private next = 0;
  /** Writes waiting for the end of this turn of the event loop (see `later`). */
  private queued: (() => void)[] = [];

  constructor(
    private readonly connection: NatsConnection,
    private readonly timeoutMs: number,
  ) {
    connection.subscribe(`${this.prefix}*`, { callback: (_error, msg) => this.answer(msg) });
    this.sweeper = setInterval(() => this.expire(), Math.min(1000, timeoutMs / 4));
    this.sweeper.unref();
  }

  /** Resolves once JetStream stored the message (or recognised a duplicate `Nats-Msg-Id`). */
  publish(subject: string, data: Uint8Array, headers?: MsgHdrs): Promise<PubAck> {
    const token = (this.next++).toString(36);
    return new Promise<PubAck>((resolve, reject) => {
      this.pending.set(token, { resolve, reject, sentAt: Date.now() });
      this.later(() => {
        try {
          this.connection.publish(subject, data, { reply: this.prefix + token, headers });
        } catch (error) {
          this.pending.delete(token);
          reject(error instanceof Error ? error : new JetStreamPublishError(String(error)));
        }
      });
    });
  }

  /**
   * Runs a write to NATS (a publish, an ack) at the end of this turn of the event loop, with
   * every other one of the turn: the client sends what is written within one microtask in one
   * socket write, and writes coming one by one from separate HTTP responses and messages were
   * a socket write each, a sixth of the dispatcher's CPU.
   */
  later(write: () => void): void {
    if (this.queued.push(write) === 1) setImmediate(this.flush);
  }

  private readonly flush = (): void => {
    const writes = this.queued;
    this.queued = [];
    for (const write of writes) write();
  };

  /** Fails whatever is still waiting (the connection is closing). */
  close(): void {
    clearInterval(this.sweeper);
    for (const [token, waiting] of this.pending) {
      this.pending.delete(token);
      waiting.reject(new JetStreamPublishError('the NATS connection closed before JetStream answered'));
    }
  }

  private answer(msg: Msg): void {
    const token = msg.subject.slice(this.prefix.length);
    const waiting = this.pending.get(token);
    if (!waiting) return;
    this.pending.delete(token);
    if (msg.headers?.hasError) {
      const { code, description } = msg.headers;
      const reason = code === 503 ? 'no stream takes this subject' : description;
      waiting.reject(new JetStreamPublishError(`JetStream did not store the message: ${reason} (${code})`, code));
      return;
    }
    let body: PubAckBody;
    try {
      body = msg.json<PubAckBody>();
    } catch {
      waiting.reject(new JetStreamPublishError('JetStream answered a publish with something that is not JSON'));
      return;
    }
    if (body.error || body.stream === undefined || body.seq === undefined) {
      const { code, err_code: errCode, description } = body.error ?? { code: 0 };
      waiting.reject(
        new JetStreamPublishError(`JetStream did not store the message: ${description ?? 'no acknowledgement'}`, errCode ?? code),
      );
      return;
    }
    waiting.resolve({ stream: body.stream, seq: body.seq, duplicate: body.duplicate === true, domain: body.domain ?? '' });
  }

  private expire(): void {
    const threshold = Date.now() - this.timeoutMs;
    for (const [token, waiting] of this.pending) {
      if (waiting.sentAt > threshold) break; // insertion order is sending order
      this.pending.delete(token);
      waiting.reject(new JetStreamPublishError(`JetStream did not answer within ${this.timeoutMs} ms`));
    }
  }
}
