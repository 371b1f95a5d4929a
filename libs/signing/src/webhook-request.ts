import { EndpointConfig, EventMessage } from '@herald/contracts';
import { compileTransform, evaluateTransform } from './jsonata';
import { pythonDefaultJson, pythonSortedJson } from './python-json';
import { signatureHeaderNames, signingHeaders } from './schemes';
import type jsonata from 'jsonata';

export const USER_AGENT = `Herald/${process.env.npm_package_version ?? '0.1.0'}`;
/** Discord rejects longer `content`. */
const DISCORD_MAX_CONTENT = 2000;

/** The bytes and headers of one attempt, as the receiver will get them. */
export interface WebhookRequest {
  body: Buffer;
  headers: Record<string, string>;
}

/** What varies per attempt. */
export interface AttemptContext {
  deliveryId: string;
  attempt: number;
  nowMs: number;
}

/** Compiled transforms per endpoint version, so an expression is parsed once, not per delivery. */
export class TransformCache {
  private readonly compiled = new Map<string, { version: number; expression: jsonata.Expression }>();

  get(endpoint: EndpointConfig): jsonata.Expression {
    const cached = this.compiled.get(endpoint.id);
    if (cached && cached.version === endpoint.version) return cached.expression;
    const expression = compileTransform(endpoint.body.transform ?? '');
    this.compiled.set(endpoint.id, { version: endpoint.version, expression });
    return expression;
  }
}

/** The value the endpoint's body format asks for (API.md, endpoint `body` and `type`). */
export async function bodyValue(
  endpoint: EndpointConfig,
  event: EventMessage,
  context: AttemptContext,
  transforms: TransformCache,
): Promise<unknown> {
  // Built only for a transform: the standard and data envelopes stay as cheap as they were.
  const input = () => ({
    id: event.id,
    type: event.eventType,
    timestamp: event.occurredAt,
    // Seconds since the epoch with a fraction, as Marzban's `enqueued_at`.
    timestampEpoch: Date.parse(event.occurredAt) / 1000,
    data: event.payload,
    attempt: context.attempt,
    endpointId: endpoint.id,
  });
  const custom = endpoint.body.envelope === 'transform' || (endpoint.type !== 'webhook' && endpoint.body.transform);
  if (endpoint.type === 'discord') {
    const value = custom ? await evaluateTransform(transforms.get(endpoint), input()) : { content: chatText(event) };
    return clampDiscord(value);
  }
  if (endpoint.type === 'slack') return custom ? evaluateTransform(transforms.get(endpoint), input()) : { text: chatText(event) };
  switch (endpoint.body.envelope) {
    case 'standard':
      return { type: event.eventType, timestamp: event.occurredAt, data: event.payload };
    case 'data':
      return event.payload;
    case 'transform':
      return evaluateTransform(transforms.get(endpoint), input());
  }
}

function chatText(event: EventMessage): string {
  return `**${event.eventType}** \`${event.id}\`\n\`\`\`json\n${JSON.stringify(event.payload, null, 2)}\n\`\`\``;
}

function clampDiscord(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || typeof (value as { content?: unknown }).content !== 'string') return value;
  const content = (value as { content: string }).content;
  return content.length <= DISCORD_MAX_CONTENT ? value : { ...value, content: `${content.slice(0, DISCORD_MAX_CONTENT - 1)}…` };
}

/** Replaces {{eventType}}, {{eventId}}, {{endpointId}}, {{deliveryId}} and {{attempt}} in header values. */
export function renderHeaderTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{\s*(eventType|eventId|endpointId|deliveryId|attempt)\s*\}\}/g, (_, name: string) => values[name]);
}

/**
 * Builds one attempt's request: the body in the endpoint's format and serialization (bytes
 * built once), its extra headers with templates filled in, and the signature of its scheme
 * over exactly those bytes. Throws TransformError when the endpoint's transform fails.
 */
export async function buildWebhookRequest(
  endpoint: EndpointConfig,
  event: EventMessage,
  context: AttemptContext,
  transforms: TransformCache,
): Promise<WebhookRequest> {
  const value = await bodyValue(endpoint, event, context, transforms);
  return signedRequest(endpoint, value, {
    id: event.id,
    eventType: event.eventType,
    deliveryId: context.deliveryId,
    attempt: context.attempt,
    nowMs: context.nowMs,
  });
}

/**
 * A batch's request: a JSON array of each member's body, signed as one body. Its message id
 * (`webhook-id`, `{{eventId}}`, `{{deliveryId}}`) is the batch id; `{{eventType}}` is the first
 * member's.
 */
export function buildBatchRequest(
  endpoint: EndpointConfig,
  batchId: string,
  values: unknown[],
  first: EventMessage,
  context: { attempt: number; nowMs: number },
): WebhookRequest {
  return signedRequest(endpoint, values, {
    id: batchId,
    eventType: first.eventType,
    deliveryId: batchId,
    attempt: context.attempt,
    nowMs: context.nowMs,
  });
}

function signedRequest(
  endpoint: EndpointConfig,
  value: unknown,
  message: { id: string; eventType: string; deliveryId: string; attempt: number; nowMs: number },
): WebhookRequest {
  const body = Buffer.from(serialize(endpoint.body.serialization, value ?? null));
  const templateValues = {
    eventType: message.eventType,
    eventId: message.id,
    endpointId: endpoint.id,
    deliveryId: message.deliveryId,
    attempt: String(message.attempt),
  };
  const extra = Object.fromEntries(
    Object.entries(endpoint.headers).map(([name, value]) => [name, renderHeaderTemplate(value, templateValues)]),
  );
  const timestamp = Math.floor(message.nowMs / 1000);
  const headers: Record<string, string> = {
    ...extra,
    'content-type': 'application/json',
    ...signingHeaders(endpoint.signature, liveSecrets(endpoint, message.nowMs), message.id, timestamp, body),
  };
  // A User-Agent among the endpoint's headers (any case) wins over ours.
  if (!setsUserAgent(endpoint.headers)) headers['user-agent'] = USER_AGENT;
  if (endpoint.idHeader) headers[endpoint.idHeader] = message.id;
  return { body, headers };
}

/** Whether an endpoint's extra headers name a User-Agent, answered once per config (the object is replaced on change). */
const userAgentSet = new WeakMap<Record<string, string>, boolean>();
function setsUserAgent(headers: Record<string, string>): boolean {
  let sets = userAgentSet.get(headers);
  if (sets === undefined) {
    sets = Object.keys(headers).some((name) => name.toLowerCase() === 'user-agent');
    userAgentSet.set(headers, sets);
  }
  return sets;
}

function serialize(serialization: EndpointConfig['body']['serialization'], value: unknown): string {
  switch (serialization) {
    case 'python':
      return pythonDefaultJson(value);
    case 'python-sorted':
      return pythonSortedJson(value);
    case 'compact':
    case undefined:
      return JSON.stringify(value);
  }
}

/** The secrets that sign now: the current one first, then those still in their grace period. */
export function liveSecrets(endpoint: EndpointConfig, nowMs: number): string[] {
  return [endpoint.secret, ...endpoint.previousSecrets.filter((p) => Date.parse(p.expiresAt) > nowMs).map((p) => p.secret)];
}

/** Header names whose values are credentials, whichever endpoint sets them (`Authorization`, `X-Api-Key`…). */
const CREDENTIAL_HEADER = /^(authorization|proxy-authorization|cookie)$|token|secret|key|password|passwd|auth|signature|session/i;

/**
 * The headers to keep with an attempt record: signatures (and a shared secret) are not stored,
 * nor the value of an extra header that carries a credential for the receiver.
 */
export function recordableHeaders(endpoint: EndpointConfig, headers: Record<string, string>): Record<string, string> {
  const hidden = new Set(signatureHeaderNames(endpoint.signature));
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      name,
      hidden.has(name.toLowerCase()) || CREDENTIAL_HEADER.test(name) ? '[redacted]' : value,
    ]),
  );
}

/** How much of a request body an attempt record keeps. */
export const RECORDED_BODY_BYTES = 64 * 1024;

/** The request body to keep with an attempt record: its first 64 KiB as sent, as text; null when nothing was sent. */
export function recordableBody(body: Buffer): string | null {
  // NUL characters removed, as PostgreSQL text refuses them (the response body gets the same).
  return body.length === 0 ? null : body.subarray(0, RECORDED_BODY_BYTES).toString('utf8').replaceAll('\u0000', '');
}
