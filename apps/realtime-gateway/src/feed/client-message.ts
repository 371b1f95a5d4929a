import { EVENT_TYPE_FILTER_PATTERN } from '@herald/contracts';
import type { RelayAnswer } from '../relay/relay.hub';

/** The longest client frame the gateway reads. */
export const MAX_CLIENT_MESSAGE_BYTES = 16 * 1024;

export type ClientMessage =
  | { type: 'ping' }
  | { type: 'subscribe'; eventTypes: string[]; appId: string | null; since: string | null }
  | { type: 'unsubscribe' }
  | { type: 'relay'; appId: string; endpointId: string }
  | ({ type: 'relay.response' } & RelayAnswer)
  | { type: 'invalid'; message: string };

/** Parses one client frame; anything unusable becomes `{type: "invalid", message}`. */
export function parseClientMessage(raw: unknown): ClientMessage {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.isBuffer(raw) ? raw.toString('utf8') : String(raw));
  } catch {
    return { type: 'invalid', message: 'message is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { type: 'invalid', message: 'message must be a JSON object' };
  const message = value as Record<string, unknown>;
  switch (message.type) {
    case 'ping':
      return { type: 'ping' };
    case 'unsubscribe':
      return { type: 'unsubscribe' };
    case 'subscribe':
      return parseSubscribe(message);
    case 'relay':
      return parseRelay(message);
    case 'relay.response':
      return parseRelayResponse(message);
    default:
      return { type: 'invalid', message: 'type must be one of "ping", "subscribe", "unsubscribe", "relay", "relay.response"' };
  }
}

function parseSubscribe(message: Record<string, unknown>): ClientMessage {
  const { eventTypes = ['*'], appId = null, since = null } = message;
  if (!Array.isArray(eventTypes) || eventTypes.length === 0 || eventTypes.length > 100) {
    return { type: 'invalid', message: 'eventTypes must be an array of 1-100 filters' };
  }
  if (!eventTypes.every((filter) => typeof filter === 'string' && filter.length <= 130 && EVENT_TYPE_FILTER_PATTERN.test(filter))) {
    return { type: 'invalid', message: 'each eventTypes filter must be an event type, "prefix.*" or "*"' };
  }
  if (appId !== null && (typeof appId !== 'string' || appId.length > 128)) return { type: 'invalid', message: 'appId must be a string' };
  if (since !== null && (typeof since !== 'string' || since.length > 64)) return { type: 'invalid', message: 'since must be a string' };
  return { type: 'subscribe', eventTypes: eventTypes as string[], appId, since };
}

function parseRelay(message: Record<string, unknown>): ClientMessage {
  const { appId, endpointId } = message;
  if (typeof appId !== 'string' || appId.length === 0 || appId.length > 128) return { type: 'invalid', message: 'appId must be a string' };
  if (typeof endpointId !== 'string' || endpointId.length === 0 || endpointId.length > 128) {
    return { type: 'invalid', message: 'endpointId must be a string' };
  }
  return { type: 'relay', appId, endpointId };
}

const optionalString = (value: unknown): value is string | null | undefined =>
  value === undefined || value === null || typeof value === 'string';

function parseRelayResponse(message: Record<string, unknown>): ClientMessage {
  const { requestId, status = null, body = null, error = null, retryAfter = null, durationMs = 0 } = message;
  if (typeof requestId !== 'string') return { type: 'invalid', message: 'requestId must be a string' };
  if (status !== null && (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599)) {
    return { type: 'invalid', message: 'status must be an HTTP status or null' };
  }
  if (!optionalString(body) || !optionalString(error) || !optionalString(retryAfter)) {
    return { type: 'invalid', message: 'body, error and retryAfter must be strings or null' };
  }
  if (typeof durationMs !== 'number' || !Number.isFinite(durationMs) || durationMs < 0) {
    return { type: 'invalid', message: 'durationMs must be a number' };
  }
  return {
    type: 'relay.response',
    requestId,
    status,
    body: body ?? null,
    error: error ?? null,
    retryAfter: retryAfter ?? null,
    durationMs: Math.round(durationMs),
  };
}
