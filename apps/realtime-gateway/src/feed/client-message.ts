import { EVENT_TYPE_FILTER_PATTERN } from '@herald/contracts';

/** The longest client frame the gateway reads. */
export const MAX_CLIENT_MESSAGE_BYTES = 16 * 1024;

export type ClientMessage =
  | { type: 'ping' }
  | { type: 'subscribe'; eventTypes: string[]; appId: string | null; since: string | null }
  | { type: 'unsubscribe' }
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
    default:
      return { type: 'invalid', message: 'type must be one of "ping", "subscribe", "unsubscribe"' };
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
