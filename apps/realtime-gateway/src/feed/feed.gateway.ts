import { Inject, Logger, OnModuleDestroy } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { Authenticator, Principal, scopeOf } from '@herald/platform';
import { AppRepository } from '@herald/persistence';
import { HeraldMetrics } from '@herald/telemetry';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { ClientMessage, MAX_CLIENT_MESSAGE_BYTES } from './client-message';
import { CatchUpError, FeedFilter, FeedMessage, FeedService, FeedSubscriber } from './feed.service';
import { RelayHub, RelayRefusal, RelaySession } from '../relay/relay.hub';

/** A client's corked writes are flushed once this many bytes are held back, so its `bufferedAmount` stays honest. */
const MAX_CORKED_BYTES = 16 * 1024;
/** How long a 1009 close waits for the replies owed to the messages before the oversized one. */
const OWED_REPLIES_WAIT_MS = 5000;

/** The client messages of one socket still waiting for their reply, and a close held back meanwhile. */
interface Owed {
  count: number;
  close?: () => void;
}

type VerifyClient = (info: { req: IncomingMessage }, done: (ok: boolean, code?: number, message?: string) => void) => void;

/** The subprotocol prefix that carries a token: a browser cannot set headers on a WebSocket, and a URL is logged. */
export const TOKEN_PROTOCOL_PREFIX = 'bearer.';

/**
 * The token of an upgrade request: `?token=` or `?api_key=`, or a `Sec-WebSocket-Protocol` entry
 * `bearer.<token>` (what the console sends, beside the `herald` protocol the server answers with).
 */
export function upgradeToken(request: IncomingMessage): string | null {
  const url = new URL(request.url ?? '/', 'http://gateway');
  const fromQuery = url.searchParams.get('token') ?? url.searchParams.get('api_key');
  if (fromQuery) return fromQuery;
  const protocols = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  const carried = protocols.find((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX));
  return carried ? carried.slice(TOKEN_PROTOCOL_PREFIX.length) : null;
}

/** The live feed at `/ws` (API.md, "Realtime gateway"). */
// The server answers with the client's first protocol that is not a token (`herald`), never echoing the token.
@WebSocketGateway({
  path: '/ws',
  maxPayload: MAX_CLIENT_MESSAGE_BYTES,
  handleProtocols: (protocols: Set<string>) => [...protocols].find((p) => !p.startsWith(TOKEN_PROTOCOL_PREFIX)) ?? false,
})
export class FeedGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, OnModuleDestroy {
  private readonly logger = new Logger(FeedGateway.name);
  private readonly sessions = new WeakMap<WebSocket, FeedSubscriber>();
  private readonly principals = new WeakMap<IncomingMessage, Principal>();
  /** The app token of each socket opened with one, checked again at every heartbeat. */
  private readonly appTokens = new WeakMap<WebSocket, string>();
  private readonly alive = new WeakMap<WebSocket, boolean>();
  private readonly serialized = new WeakMap<object, Buffer>();
  private readonly sockets = new WeakMap<WebSocket, Socket>();
  private readonly owed = new WeakMap<WebSocket, Owed>();
  /** The sockets of `herald listen`, each relaying one endpoint's deliveries. */
  private readonly relays = new WeakMap<WebSocket, RelaySession>();
  /** Sockets of read-only (portal) tokens: they may watch, not take deliveries. */
  private readonly readOnly = new WeakSet<WebSocket>();
  /**
   * Sockets written to in this turn of the event loop, with the bytes they hold back: a burst of
   * feed messages leaves in one write per client instead of one write (a syscall) per message.
   */
  private readonly corked = new Map<Socket, number>();
  private heartbeat?: NodeJS.Timeout;

  constructor(
    private readonly feed: FeedService,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    private readonly metrics: HeraldMetrics,
    private readonly authenticator: Authenticator,
    private readonly apps: AppRepository,
    private readonly relay: RelayHub,
  ) {}

  afterInit(server: WebSocketServer): void {
    // Checked at the upgrade: a bad token (401) or origin (403) never reaches a socket.
    const { allowedOrigins } = this.config.gateway;
    const verifyClient: VerifyClient = ({ req }, done) => {
      const origin = req.headers.origin;
      this.authenticator.authenticate(upgradeToken(req)).then(
        (principal) => {
          if (!principal) return done(false, 401, 'Unauthorized');
          if (origin && allowedOrigins.length > 0 && !allowedOrigins.includes(origin)) return done(false, 403, 'Origin not allowed');
          this.principals.set(req, principal);
          // The streams are followed before the socket opens: a client misses nothing published after.
          return this.feed.ensureFollowing().then(() => done(true));
        },
        (error: Error) => {
          this.logger.warn(`token check failed: ${error.message}`);
          done(false, 503, 'Service Unavailable');
        },
      );
    };
    (server.options as { verifyClient?: VerifyClient }).verifyClient = verifyClient;
    // Heartbeats: a client that did not answer the previous ping is gone; close it.
    this.heartbeat = setInterval(() => {
      for (const client of server.clients) {
        if (this.alive.get(client) === false) {
          client.terminate();
          continue;
        }
        this.alive.set(client, false);
        client.ping();
      }
      void this.recheckTokens(server.clients);
    }, this.config.gateway.heartbeatMs);
    this.heartbeat.unref();
  }

  /**
   * Closes (1008) the sockets whose app token was revoked or expired, or whose app was deleted,
   * since they opened: one check per distinct token, all at once (the Authenticator caches each for a second).
   */
  private async recheckTokens(clients: Set<WebSocket>): Promise<void> {
    const byToken = new Map<string, WebSocket[]>();
    for (const client of clients) {
      const token = this.appTokens.get(client);
      if (token === undefined || client.readyState !== WebSocket.OPEN) continue;
      const sockets = byToken.get(token);
      if (sockets) sockets.push(client);
      else byToken.set(token, [client]);
    }
    await Promise.all(
      [...byToken].map(async ([token, sockets]) => {
        // PostgreSQL unreachable: keep serving what was authorised, check again next time.
        const principal = await this.authenticator.authenticate(token).catch(() => undefined);
        if (principal === null) for (const socket of sockets) socket.close(1008, 'token revoked or expired');
      }),
    );
  }

  onModuleDestroy(): void {
    clearInterval(this.heartbeat);
  }

  handleConnection(client: WebSocket, request: IncomingMessage): void {
    const principal = this.principals.get(request);
    if (!principal) {
      // verifyClient let no unauthenticated upgrade through; should one arrive anyway, it gets nothing.
      client.close(1008, 'unauthorized');
      return;
    }
    if (principal.kind === 'app') this.appTokens.set(client, upgradeToken(request) ?? '');
    if (principal.kind === 'app' && principal.readOnly) this.readOnly.add(client);
    this.sockets.set(client, request.socket);
    this.owe(client);
    this.alive.set(client, true);
    client.on('pong', () => this.alive.set(client, true));
    // An app token's feed is confined to its app for the life of the socket.
    const scope = scopeOf(principal);
    const subscriber: FeedSubscriber = {
      filter: { active: true, eventTypes: ['*'], appId: null, scope },
      send: (message: FeedMessage) => this.send(client, message),
    };
    this.sessions.set(client, subscriber);
    this.feed.add(subscriber);
    this.metrics.websocketClients.set(this.feed.clientCount);
    this.send(client, { type: 'connection', status: 'connected', message: 'WebSocket connection established' });
  }

  handleDisconnect(client: WebSocket): void {
    const relay = this.relays.get(client);
    if (relay) this.relay.stop(relay);
    const subscriber = this.sessions.get(client);
    if (subscriber) this.feed.remove(subscriber);
    this.metrics.websocketClients.set(this.feed.clientCount);
  }

  @SubscribeMessage('ping')
  ping(@ConnectedSocket() client: WebSocket): void {
    this.send(client, { type: 'pong' });
    this.replied(client);
  }

  @SubscribeMessage('subscribe')
  async subscribe(
    @ConnectedSocket() client: WebSocket,
    @MessageBody() message: Extract<ClientMessage, { type: 'subscribe' }>,
  ): Promise<void> {
    let answered = false;
    const answer = () => {
      if (!answered) this.replied(client);
      answered = true;
    };
    try {
      await this.subscribeTo(client, message, answer);
    } finally {
      answer();
    }
  }

  private async subscribeTo(client: WebSocket, message: Extract<ClientMessage, { type: 'subscribe' }>, answer: () => void): Promise<void> {
    const subscriber = this.sessions.get(client);
    if (!subscriber) return;
    const { scope } = subscriber.filter;
    // `appId` may be the app's uid, as in the REST paths; another app than the token's is not found.
    let appId: string | null = null;
    if (message.appId !== null) {
      const app = await this.apps.findByKey(message.appId, scope).catch(() => undefined);
      if (app === undefined) return this.send(client, { type: 'error', message: 'could not look the app up; subscribe again' });
      if (app === null) return this.send(client, { type: 'error', message: 'app not found' });
      appId = app.id;
    }
    const filter: FeedFilter = { active: true, eventTypes: message.eventTypes, appId, scope };
    subscriber.filter = filter;
    this.send(client, { type: 'subscribed', eventTypes: filter.eventTypes, appId: filter.appId, since: message.since });
    if (message.since === null) return;
    // Answered; a catch-up may take long, and a pending close does not wait for it.
    answer();
    try {
      const replayed = await this.feed.catchUp(subscriber, message.since);
      this.send(client, { type: 'caught-up', replayed });
    } catch (error) {
      const text = error instanceof CatchUpError ? error.message : 'catch-up failed; subscribe again';
      if (!(error instanceof CatchUpError)) this.logger.warn(`catch-up failed: ${(error as Error).message}`);
      this.send(client, { type: 'error', message: text });
    }
  }

  /** `herald listen`: this socket takes the deliveries of one relay endpoint of the token's app. */
  @SubscribeMessage('relay')
  async startRelay(@ConnectedSocket() client: WebSocket, @MessageBody() message: Extract<ClientMessage, { type: 'relay' }>): Promise<void> {
    const subscriber = this.sessions.get(client);
    try {
      if (!subscriber || client.readyState !== WebSocket.OPEN) return;
      if (this.readOnly.has(client)) throw new RelayRefusal('a read-only token cannot relay deliveries');
      let session = this.relays.get(client);
      if (!session) {
        session = {
          pending: new Map(),
          send: (frame) => {
            // Thrown: the hub answers the dispatcher `relay_offline` at once instead of after the timeout.
            if (client.readyState !== WebSocket.OPEN) throw new Error('the socket is closed');
            this.send(client, frame);
          },
        };
        this.relays.set(client, session);
      }
      const relaying = await this.relay.start(session, message.appId, message.endpointId, subscriber.filter.scope);
      // Closed while we looked the endpoint up: handleDisconnect ran before there was anything to stop.
      if (client.readyState !== WebSocket.OPEN) this.relay.stop(session);
      else this.send(client, { type: 'relaying', ...relaying });
    } catch (error) {
      if (!(error instanceof RelayRefusal)) this.logger.warn(`relay not started: ${(error as Error).message}`);
      this.send(client, { type: 'error', message: error instanceof RelayRefusal ? error.message : 'could not start relaying; try again' });
    } finally {
      this.replied(client);
    }
  }

  @SubscribeMessage('relay.response')
  relayResponse(@ConnectedSocket() client: WebSocket, @MessageBody() message: Extract<ClientMessage, { type: 'relay.response' }>): void {
    const session = this.relays.get(client);
    if (session) this.relay.answer(session, message);
    this.replied(client);
  }

  @SubscribeMessage('unsubscribe')
  unsubscribe(@ConnectedSocket() client: WebSocket): void {
    const subscriber = this.sessions.get(client);
    if (subscriber) subscriber.filter = { ...subscriber.filter, active: false };
    this.send(client, { type: 'unsubscribed' });
    this.replied(client);
  }

  @SubscribeMessage('invalid')
  invalid(@ConnectedSocket() client: WebSocket, @MessageBody() message: Extract<ClientMessage, { type: 'invalid' }>): void {
    this.send(client, { type: 'error', message: message.message });
    this.replied(client);
  }

  /**
   * Counts the client's messages until each is answered, and holds back ws's 1009 close until
   * then: ws reads a burst of frames in one go and closes on an oversized one at once, before
   * Nest's (asynchronous) handlers have answered the frames that came before it.
   */
  private owe(client: WebSocket): void {
    const owed: Owed = { count: 0 };
    this.owed.set(client, owed);
    client.on('message', () => (owed.count += 1));
    const close = client.close.bind(client);
    client.close = (code?: number, reason?: string | Buffer) => {
      if (code !== 1009 || owed.count === 0) return close(code, reason);
      const timer = setTimeout(() => owed.close?.(), OWED_REPLIES_WAIT_MS);
      owed.close = () => {
        clearTimeout(timer);
        owed.close = undefined;
        close(code, reason);
      };
    };
  }

  /** One client message answered; once none is owed, a held-back close goes out after the replies. */
  private replied(client: WebSocket): void {
    const owed = this.owed.get(client);
    if (!owed || owed.count === 0) return;
    owed.count -= 1;
    if (owed.count === 0) owed.close?.();
  }

  private send(client: WebSocket, message: object): void {
    if (client.readyState !== WebSocket.OPEN) return;
    if (client.bufferedAmount > this.config.gateway.maxBufferedBytes) {
      this.logger.warn('closing a client that does not keep up with the feed');
      client.close(1013, 'client too slow; reconnect and catch up');
      return;
    }
    const data = this.serialize(message);
    const socket = this.sockets.get(client);
    if (!socket) return client.send(data, { binary: false });
    let held = this.corked.get(socket);
    if (held === undefined) {
      if (this.corked.size === 0) setImmediate(() => this.uncorkAll());
      socket.cork();
      held = 0;
    }
    client.send(data, { binary: false });
    held += data.length;
    if (held >= MAX_CORKED_BYTES) {
      socket.uncork();
      socket.cork();
      held = 0;
    }
    this.corked.set(socket, held);
  }

  private uncorkAll(): void {
    for (const socket of this.corked.keys()) socket.uncork();
    this.corked.clear();
  }

  /** A feed message goes to many clients: it is serialized and encoded once, not once per client. */
  private serialize(message: object): Buffer {
    let data = this.serialized.get(message);
    if (data === undefined) {
      data = Buffer.from(JSON.stringify(message));
      this.serialized.set(message, data);
    }
    return data;
  }
}
