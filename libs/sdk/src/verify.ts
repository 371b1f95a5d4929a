import { createHmac, timingSafeEqual } from 'node:crypto';

/** How a received webhook was signed: an endpoint's `signature` setting, or just its scheme name for the standard one. */
export type WebhookScheme =
  | 'standard'
  | { scheme: 'standard' }
  | { scheme: 'hmac-sha256'; header: string; prefix?: string; encoding?: 'hex' | 'base64' }
  | { scheme: 'shared-secret'; header: string };

/** The request headers as a framework gives them (names in any case), or a fetch `Headers`. */
export type WebhookHeaders = Record<string, string | string[] | undefined> | Headers;

export interface VerifyWebhookOptions {
  scheme: WebhookScheme;
  /** The endpoint's secret (`whsec_…` for the standard scheme). */
  secret: string;
  headers: WebhookHeaders;
  /** The raw body bytes as received (not re-serialized JSON). */
  body: string | Uint8Array;
  /** Standard scheme: how far `webhook-timestamp` may be from now (default 300 s). */
  toleranceSeconds?: number;
  /** The current time in ms (tests). */
  now?: number;
}

export type WebhookVerificationFailure = 'missing_header' | 'timestamp_out_of_range' | 'invalid_signature';

/** Why a webhook did not verify; `code` says which check failed. */
export class WebhookVerificationError extends Error {
  constructor(
    readonly code: WebhookVerificationFailure,
    message: string,
  ) {
    super(message);
    this.name = 'WebhookVerificationError';
  }
}

const DEFAULT_TOLERANCE_SECONDS = 300;

/**
 * Checks a received webhook against the scheme it was signed with; throws a
 * WebhookVerificationError when it does not verify. Comparisons are constant-time.
 */
export function verifyWebhook(options: VerifyWebhookOptions): void {
  const scheme = typeof options.scheme === 'string' ? { scheme: options.scheme } : options.scheme;
  const body = typeof options.body === 'string' ? Buffer.from(options.body, 'utf8') : Buffer.from(options.body);
  switch (scheme.scheme) {
    case 'standard':
      return verifyStandard(options, body);
    case 'hmac-sha256': {
      const received = required(options.headers, scheme.header);
      const expected =
        (scheme.prefix ?? '') +
        createHmac('sha256', Buffer.from(options.secret, 'utf8'))
          .update(body)
          .digest(scheme.encoding ?? 'hex');
      if (!sameText(received, expected))
        throw new WebhookVerificationError('invalid_signature', `the ${scheme.header} signature does not match`);
      return;
    }
    case 'shared-secret': {
      const received = required(options.headers, scheme.header);
      if (!sameText(received, options.secret))
        throw new WebhookVerificationError('invalid_signature', `the ${scheme.header} secret does not match`);
      return;
    }
  }
}

function verifyStandard(options: VerifyWebhookOptions, body: Buffer): void {
  const id = required(options.headers, 'webhook-id');
  const timestamp = required(options.headers, 'webhook-timestamp');
  const signatures = required(options.headers, 'webhook-signature');
  const seconds = Number(timestamp);
  const now = (options.now ?? Date.now()) / 1000;
  if (!/^\d+$/.test(timestamp) || Math.abs(now - seconds) > (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) {
    throw new WebhookVerificationError('timestamp_out_of_range', 'webhook-timestamp is too far from now');
  }
  const key = Buffer.from(options.secret.startsWith('whsec_') ? options.secret.slice('whsec_'.length) : options.secret, 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
  let matched = false;
  // Several signatures during a secret rotation's grace period: any one may match.
  for (const entry of signatures.split(' ')) {
    const [version, signature] = entry.split(',', 2);
    if (version !== 'v1' || signature === undefined) continue;
    const given = Buffer.from(signature, 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) matched = true;
  }
  if (!matched) throw new WebhookVerificationError('invalid_signature', 'no webhook-signature matches');
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function' && typeof (headers as Headers).has === 'function') {
    return (headers as Headers).get(name) ?? undefined;
  }
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (key.toLowerCase() === wanted) return Array.isArray(value) ? value.join(', ') : value;
  }
  return undefined;
}

function required(headers: WebhookHeaders, name: string): string {
  const value = header(headers, name);
  if (value === undefined || value === '') throw new WebhookVerificationError('missing_header', `the ${name} header is missing`);
  return value;
}

/** Constant-time comparison of two strings (their lengths may differ: hashed first). */
function sameText(a: string, b: string): boolean {
  const left = createHmac('sha256', 'herald-compare').update(a).digest();
  const right = createHmac('sha256', 'herald-compare').update(b).digest();
  return timingSafeEqual(left, right);
}
