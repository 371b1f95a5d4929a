import { EndpointConfig, EventMessage } from '@herald/contracts';
import { signatureHeader } from '@herald/signing';

export const USER_AGENT = `Herald/${process.env.npm_package_version ?? '0.1.0'}`;

/** The bytes and headers of one attempt, as the receiver will get them. */
export interface WebhookRequest {
  body: Buffer;
  headers: Record<string, string>;
}

/** The standard envelope `{type, timestamp, data}` (API.md, "What an endpoint receives"). */
export function standardBody(event: EventMessage): Buffer {
  return Buffer.from(JSON.stringify({ type: event.eventType, timestamp: event.occurredAt, data: event.payload }));
}

/** Builds a signed Standard Webhooks request; `webhook-timestamp` is the time of this attempt. */
export function buildWebhookRequest(endpoint: EndpointConfig, event: EventMessage, nowMs = Date.now()): WebhookRequest {
  const body = standardBody(event);
  const timestamp = Math.floor(nowMs / 1000);
  return {
    body,
    headers: {
      ...endpoint.headers,
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'webhook-id': event.id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signatureHeader([endpoint.secret], event.id, timestamp, body),
    },
  };
}

/** The headers to keep with an attempt record: the signature is not stored. */
export function recordableHeaders(headers: Record<string, string>): Record<string, string> {
  return { ...headers, 'webhook-signature': 'v1,[redacted]' };
}
