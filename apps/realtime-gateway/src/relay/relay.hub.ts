import { Injectable, Logger } from '@nestjs/common';
import { DeliveryError, RelayRequest, RelayResponse } from '@herald/contracts';
import { NatsService } from '@herald/messaging';
import { AppRepository, EndpointRepository } from '@herald/persistence';
import { randomUUID } from 'node:crypto';

/** NATS queue group of the gateways' relay subscriptions: one CLI answers each request. */
const RELAY_QUEUE = 'herald-relay';
/** How long past the endpoint's timeout the hub waits for the CLI's answer. */
const ANSWER_MARGIN_MS = 1000;
const RESPONSE_BODY_LIMIT = 4096;

/** What the hub sends a connected `herald listen`: one signed request to forward. */
export interface RelayRequestFrame {
  type: 'relay.request';
  requestId: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  deliveries: number;
  headers: Record<string, string>;
  /** The exact body bytes, base64. */
  body: string;
}

/** The CLI's answer to a RelayRequestFrame. */
export interface RelayAnswer {
  requestId: string;
  status: number | null;
  /** The local response body's first 4 KiB, base64. */
  body: string | null;
  error: string | null;
  retryAfter: string | null;
  durationMs: number;
}

/** One socket relaying one endpoint: how to reach it and what it still owes. */
export interface RelaySession {
  send(frame: RelayRequestFrame): void;
  endpointId?: string;
  stop?: () => void;
  pending: Map<string, (answer: RelayResponse) => void>;
}

export class RelayRefusal extends Error {}

/**
 * The gateway's side of relay endpoints: a `herald listen` socket asks to relay one endpoint
 * (of its token's app, and of type `relay`); the hub then answers that endpoint's NATS requests
 * from the dispatcher by handing each to the socket and replying with the CLI's answer.
 */
@Injectable()
export class RelayHub {
  private readonly logger = new Logger(RelayHub.name);

  constructor(
    private readonly nats: NatsService,
    private readonly apps: AppRepository,
    private readonly endpoints: EndpointRepository,
  ) {}

  /** Starts relaying `endpointId` to the session's socket; refused (RelayRefusal) outside the token's app. */
  async start(
    session: RelaySession,
    appKey: string,
    endpointId: string,
    scope: string | null,
  ): Promise<{ appId: string; endpointId: string }> {
    if (session.endpointId !== undefined) throw new RelayRefusal('this socket already relays an endpoint');
    const app = await this.apps.findByKey(appKey, scope);
    if (!app) throw new RelayRefusal('app not found');
    const endpoint = await this.endpoints.findById(app.id, endpointId);
    if (!endpoint) throw new RelayRefusal('endpoint not found');
    if (endpoint.type !== 'relay') throw new RelayRefusal('endpoint is not of type "relay"');
    session.endpointId = endpoint.id;
    session.stop = this.nats.serve(this.nats.names.relay(endpoint.id), RELAY_QUEUE, (data) => this.forward(session, data));
    return { appId: app.id, endpointId: endpoint.id };
  }

  /** The CLI answered one request. */
  answer(session: RelaySession, answer: RelayAnswer): void {
    const settle = session.pending.get(answer.requestId);
    if (!settle) return;
    settle({
      status: answer.status,
      body: answer.body === null ? null : Buffer.from(answer.body, 'base64').subarray(0, RESPONSE_BODY_LIMIT).toString('utf8'),
      error: answer.error,
      retryAfter: answer.retryAfter,
      durationMs: answer.durationMs,
    });
  }

  /** The socket closed: no more requests, and those it held fail as if nobody had been listening. */
  stop(session: RelaySession): void {
    session.stop?.();
    session.stop = undefined;
    for (const settle of session.pending.values()) settle(offline());
  }

  private async forward(session: RelaySession, data: Uint8Array): Promise<Uint8Array> {
    const request = JSON.parse(Buffer.from(data).toString('utf8')) as RelayRequest;
    const requestId = randomUUID();
    const answer = await new Promise<RelayResponse>((resolve) => {
      const timer = setTimeout(() => settle({ ...offline(), error: DeliveryError.timeout }), request.timeoutMs + ANSWER_MARGIN_MS);
      const settle = (response: RelayResponse) => {
        clearTimeout(timer);
        session.pending.delete(requestId);
        resolve(response);
      };
      session.pending.set(requestId, settle);
      try {
        const { endpointId, eventId, eventType, deliveries, headers, body } = request;
        session.send({ type: 'relay.request', requestId, endpointId, eventId, eventType, deliveries, headers, body });
      } catch (error) {
        this.logger.warn(`relay request not handed to the CLI: ${(error as Error).message}`);
        settle(offline());
      }
    });
    return Buffer.from(JSON.stringify(answer));
  }
}

function offline(): RelayResponse {
  return { status: null, body: null, error: DeliveryError.relayOffline, retryAfter: null, durationMs: 0 };
}
