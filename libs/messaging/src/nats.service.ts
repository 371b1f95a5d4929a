import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { Names } from '@herald/contracts';
import { jetstream, JetStreamClient, jetstreamManager, JetStreamManager, JsMsg, PubAck } from '@nats-io/jetstream';
import { errors, headers as natsHeaders, NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { traceHeaders } from '@herald/telemetry';
import { JetStreamPublisher } from './jetstream-publisher';

const encoder = new TextEncoder();

/** Options of one JSON publish. */
export interface PublishOptions {
  /** Nats-Msg-Id: JetStream drops a repeat within the stream's duplicate window. */
  msgId?: string;
  headers?: Record<string, string>;
}

/** Why a core NATS request got no reply. */
export class NatsRequestError extends Error {
  constructor(
    readonly code: 'no_responders' | 'timeout',
    cause: unknown,
  ) {
    super(code === 'no_responders' ? 'nobody is listening on the subject' : 'no reply in time', { cause });
  }
}

/** Connects to NATS at start-up; the one place that talks to the NATS client directly. */
export async function connectNats(url: string, name: string): Promise<NatsConnection> {
  // noAsyncTraces: otherwise the client builds two Errors with stack traces per request (every
  // JetStream publish), a tenth of the dispatcher's CPU under load.
  return connect({
    servers: url.split(','),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    waitOnFirstConnect: false,
    noAsyncTraces: true,
  });
}

/** The JetStream connection of one app, with the names of its namespace. */
@Injectable()
export class NatsService implements OnApplicationShutdown {
  private readonly logger = new Logger(NatsService.name);
  readonly names: Names;
  readonly js: JetStreamClient;
  private readonly publisher: JetStreamPublisher;

  constructor(
    readonly connection: NatsConnection,
    readonly jsm: JetStreamManager,
    @Inject(HERALD_CONFIG) config: HeraldConfig,
  ) {
    this.names = new Names(config.natsNamespace);
    this.js = jetstream(connection, { timeout: 10_000 });
    this.publisher = new JetStreamPublisher(connection, 10_000);
    void this.watchStatus();
  }

  /** Publishes a JSON message and resolves once JetStream stored it. */
  publishJson(subject: string, body: unknown, options: PublishOptions = {}): Promise<PubAck> {
    return this.publishBytes(subject, encoder.encode(JSON.stringify(body)), options);
  }

  /** Publishes bytes already serialized by the caller. */
  publishBytes(subject: string, data: Uint8Array, options: PublishOptions = {}): Promise<PubAck> {
    // The active trace context travels in the message headers (W3C traceparent).
    const all = { ...traceHeaders(), ...options.headers };
    let hdrs: ReturnType<typeof natsHeaders> | undefined;
    if (Object.keys(all).length > 0) {
      hdrs = natsHeaders();
      for (const [key, value] of Object.entries(all)) hdrs.set(key, value);
    }
    if (options.msgId !== undefined) {
      hdrs ??= natsHeaders();
      hdrs.set('Nats-Msg-Id', options.msgId);
    }
    return this.publisher.publish(subject, data, hdrs);
  }

  /**
   * A core NATS request (not JetStream): resolves with the reply's bytes, or rejects with a
   * NatsRequestError saying whether nobody was listening (`no_responders`) or nobody answered in time.
   */
  async request(subject: string, data: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    const all = traceHeaders();
    let hdrs: ReturnType<typeof natsHeaders> | undefined;
    if (Object.keys(all).length > 0) {
      hdrs = natsHeaders();
      for (const [key, value] of Object.entries(all)) hdrs.set(key, value);
    }
    try {
      const reply = await this.connection.request(subject, data, { timeout: timeoutMs, headers: hdrs });
      return reply.data;
    } catch (error) {
      if (error instanceof errors.RequestError && error.isNoResponders()) throw new NatsRequestError('no_responders', error);
      if (error instanceof errors.NoRespondersError) throw new NatsRequestError('no_responders', error);
      if (error instanceof errors.TimeoutError) throw new NatsRequestError('timeout', error);
      throw error;
    }
  }

  /**
   * Answers core NATS requests on `subject` in a queue group (one member answers each request)
   * until the returned function is called.
   */
  serve(subject: string, queue: string, answer: (data: Uint8Array) => Promise<Uint8Array>): () => void {
    const subscription = this.connection.subscribe(subject, {
      queue,
      callback: (error, msg) => {
        if (error) return;
        answer(msg.data).then(
          (reply) => msg.respond(reply),
          (failure: Error) => this.logger.warn(`request on ${subject} not answered: ${failure.message}`),
        );
      },
    });
    return () => subscription.unsubscribe();
  }

  /** Acknowledges a JetStream message with the other writes of this turn of the event loop. */
  ack(msg: JsMsg): void {
    this.publisher.later(() => msg.ack());
  }

  /** True while the connection is up (readiness). */
  isConnected(): boolean {
    return !this.connection.isClosed() && !this.connection.isDraining() && !this.reconnecting;
  }

  private reconnecting = false;

  private async watchStatus(): Promise<void> {
    for await (const status of this.connection.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnecting') this.reconnecting = true;
      if (status.type === 'reconnect') this.reconnecting = false;
      if (status.type === 'disconnect' || status.type === 'reconnect') this.logger.warn(`NATS ${status.type}`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.connection.isClosed()) await this.connection.drain().catch(() => this.connection.close());
    this.publisher.close();
  }
}

/** Builds the NatsService of an app (used by MessagingModule). */
export async function createNatsService(config: HeraldConfig, appName: string): Promise<NatsService> {
  const connection = await connectNats(config.natsUrl, `herald-${appName}`);
  const jsm = await jetstreamManager(connection);
  return new NatsService(connection, jsm, config);
}
