/** What ingest appends to HERALD_EVENTS: one published event. */
export interface EventMessage {
  id: string;
  appId: string;
  eventType: string;
  payload: Record<string, unknown>;
  channels: string[] | null;
  /** ISO time the producer says the event happened (defaults to createdAt). */
  occurredAt: string;
  /** ISO time ingest accepted it. */
  createdAt: string;
}

/** What the fan-out appends to HERALD_DELIVERIES: one event to send to one endpoint. */
export interface DeliveryMessage {
  deliveryId: string;
  endpointId: string;
  /** Which attempt this message asks for (1 for the first). */
  attempt: number;
  /** An operator's retry: bypasses the circuit breaker. */
  manual?: boolean;
  event: EventMessage;
  /**
   * A batch being retried: every member (this delivery first) is sent again together, as one
   * request, exactly as the batch was formed.
   */
  batch?: { batchId: string; members: { deliveryId: string; attempt: number; event: EventMessage }[] };
}

export const OutcomeType = {
  succeeded: 'delivery.succeeded',
  failed: 'delivery.failed',
  exhausted: 'delivery.exhausted',
} as const;
export type OutcomeType = (typeof OutcomeType)[keyof typeof OutcomeType];

/** Error classes of a failed attempt (API.md, "Deliveries and attempts"). */
export const DeliveryError = {
  timeout: 'timeout',
  connectionRefused: 'connection_refused',
  connectionReset: 'connection_reset',
  dns: 'dns',
  tls: 'tls',
  blockedAddress: 'blocked_address',
  httpStatus: 'http_status',
  redirect: 'redirect',
  /** The endpoint's body transform failed on this event (no request was sent). */
  transform: 'transform',
  /** A relay endpoint with no `herald listen` connected to take the request. */
  relayOffline: 'relay_offline',
} as const;
export type DeliveryError = (typeof DeliveryError)[keyof typeof DeliveryError];

/** What the dispatcher appends to HERALD_OUTCOMES after recording an attempt. */
export interface DeliveryOutcomeMessage {
  type: OutcomeType;
  appId: string;
  timestamp: string;
  payload: {
    deliveryId: string;
    eventId: string;
    eventType: string;
    endpointId: string;
    attempt: number;
    responseStatus: number | null;
    durationMs: number;
    error: DeliveryError | null;
  };
}

/** Why an endpoint was disabled: by the dispatcher, or by an operator (`manual`). */
export type DisableReason = 'failing' | 'gone' | 'exhausted' | 'manual';

/** An operational event on HERALD_OUTCOMES: the dispatcher disabled an endpoint. */
export interface EndpointDisabledMessage {
  type: 'endpoint.disabled';
  appId: string;
  timestamp: string;
  payload: { endpointId: string; reason: DisableReason };
}

/**
 * The other operational events on HERALD_OUTCOMES: an operator re-enabled an endpoint, or its
 * circuit breaker opened (`failing`) or closed again (`recovered`) in a dispatcher replica.
 */
export interface EndpointStateMessage {
  type: 'endpoint.enabled' | 'endpoint.failing' | 'endpoint.recovered';
  appId: string;
  timestamp: string;
  payload: { endpointId: string; reason: string };
}

/** Everything on HERALD_OUTCOMES. */
export type OutcomeMessage = DeliveryOutcomeMessage | EndpointDisabledMessage | EndpointStateMessage;

/** The event types of operational webhooks (the operations app's endpoints subscribe to them). */
/** Event types under this prefix are Herald's own (operational webhooks): ingest refuses them from anyone else. */
export const OPERATIONAL_EVENT_PREFIX = 'herald.';

export const OperationalEventType = {
  endpointDisabled: 'herald.endpoint.disabled',
  endpointEnabled: 'herald.endpoint.enabled',
  endpointFailing: 'herald.endpoint.failing',
  endpointRecovered: 'herald.endpoint.recovered',
  deliveryExhausted: 'herald.delivery.exhausted',
} as const;
export type OperationalEventType = (typeof OperationalEventType)[keyof typeof OperationalEventType];

/**
 * Where an endpoint's requests go: a webhook receiver, a chat's incoming-webhook API, or (`relay`)
 * a connected `herald listen`, through the realtime gateway, that forwards them to a local URL.
 */
export type EndpointType = 'webhook' | 'discord' | 'slack' | 'relay';
export const ENDPOINT_TYPES: readonly EndpointType[] = ['webhook', 'discord', 'slack', 'relay'];

/**
 * A relay endpoint's signed request, as the dispatcher sends it on `herald.relay.{endpointId}`
 * (core NATS request/reply) and the gateway hands it to the connected CLI.
 */
export interface RelayRequest {
  endpointId: string;
  /** What the request carries, for the CLI's line: the (first) delivery's event, and how many (a batch). */
  eventId: string;
  eventType: string;
  deliveries: number;
  /** The request headers, signature included, exactly as an HTTP endpoint would receive them. */
  headers: Record<string, string>;
  /** The exact body bytes, base64. */
  body: string;
  timeoutMs: number;
}

/** What the CLI's local server answered (or why it could not), as the reply to a RelayRequest. */
export interface RelayResponse {
  status: number | null;
  /** The first 4 KiB of the local response body. */
  body: string | null;
  /** An API.md error class when no HTTP answer came (the local server down: `connection_refused`). */
  error: string | null;
  retryAfter: string | null;
  durationMs: number;
}

/** How an endpoint's requests are signed (API.md, endpoint `signature`). */
export type EndpointSignature =
  | { scheme: 'standard' }
  | { scheme: 'hmac-sha256'; header: string; prefix?: string; encoding?: 'hex' | 'base64' }
  | { scheme: 'shared-secret'; header: string }
  | { scheme: 'none' };

/** What an endpoint's request body is (API.md, endpoint `body`). */
export interface EndpointBody {
  envelope: 'standard' | 'data' | 'transform';
  /** A JSONata expression over {id, type, timestamp, timestampEpoch, data, attempt, endpointId} (envelope `transform`, or a chat template). */
  transform?: string;
  /** `python`: Python's default `json.dumps`; `python-sorted`: the same with `sort_keys=True`. */
  serialization?: 'compact' | 'python' | 'python-sorted';
}

/** Several events in one request: up to `maxSize` bodies, sent at most `maxWaitMs` after the first. */
export interface EndpointBatch {
  maxSize: number;
  maxWaitMs: number;
}

/** The state of one endpoint as the dispatcher needs it; published on HERALD_CONFIG. */
export interface EndpointConfig {
  id: string;
  appId: string;
  url: string;
  type: EndpointType;
  signature: EndpointSignature;
  body: EndpointBody;
  batch: EndpointBatch | null;
  eventTypes: string[];
  channels: string[] | null;
  disabled: boolean;
  secret: string;
  /** Older secrets still signing until `expiresAt` (ISO), after a rotation with a grace period. */
  previousSecrets: { secret: string; expiresAt: string }[];
  headers: Record<string, string>;
  timeoutMs: number;
  retrySchedule: number[];
  /** 0-0.5: each retry waits its scheduled delay × (1 ± up to this); absent in older messages (0.2). */
  retryJitter?: number;
  /** Disable the endpoint when a delivery exhausts its schedule; absent in older messages (false). */
  disableOnExhaustion?: boolean;
  /** The header that carries the event (or batch) id, if any. */
  idHeader?: string | null;
  maxConcurrency: number;
  /** Deliveries per second, or null for no limit. */
  rateLimit: number | null;
  /** Increases with every change; the dispatcher ignores anything older than what it holds. */
  version: number;
}

/** A message on the config stream: the endpoint's latest state, or its deletion. */
export type EndpointConfigMessage =
  | { kind: 'endpoint.upserted'; endpoint: EndpointConfig }
  | { kind: 'endpoint.deleted'; appId: string; endpointId: string; version: number };
