import { createHmac, createSecretKey, KeyObject, randomBytes, timingSafeEqual } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';
/** How far a webhook-timestamp may be from now before verification refuses it. */
const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

/** A new Standard Webhooks secret: `whsec_` + base64 of 32 random bytes. */
export function generateSecret(bytes = 32): string {
  return SECRET_PREFIX + randomBytes(bytes).toString('base64');
}

/** The HMAC key of a `whsec_` secret: the base64-decoded part after the prefix. */
export function secretKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return Buffer.from(encoded, 'base64');
}

/** True for `whsec_` + base64 of 24–64 bytes (API.md, endpoint `secret`). */
export function isStandardSecret(secret: string): boolean {
  if (!secret.startsWith(SECRET_PREFIX)) return false;
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return false;
  const length = Buffer.from(encoded, 'base64').length;
  return length >= 24 && length <= 64;
}

/** At most this many secrets' key objects are kept; the cache starts over when full. */
const KEY_CACHE_SIZE = 10_000;
const keyObjects = new Map<string, KeyObject>();

/**
 * The HMAC key object of a secret, made once: Node builds a key object for every HMAC given raw
 * bytes, which costs four times the HMAC of a 1 KiB body itself. `standard`: the bytes of a
 * `whsec_` secret (secretKey); `utf8`: the secret's UTF-8 bytes (the other HMAC schemes).
 */
export function hmacKey(secret: string, as: 'standard' | 'utf8'): KeyObject {
  const cacheKey = `${as}:${secret}`;
  let key = keyObjects.get(cacheKey);
  if (key === undefined) {
    if (keyObjects.size >= KEY_CACHE_SIZE) keyObjects.clear();
    key = createSecretKey(as === 'standard' ? secretKey(secret) : Buffer.from(secret, 'utf8'));
    keyObjects.set(cacheKey, key);
  }
  return key;
}

/** One `v1,<base64>` signature of `<id>.<timestamp>.<body>` under one secret. */
export function signStandard(secret: string | Buffer, id: string, timestamp: number, body: string | Buffer): string {
  const key = typeof secret === 'string' ? hmacKey(secret, 'standard') : secret;
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64');
  return `v1,${mac}`;
}

/** The `webhook-signature` header value: one space-separated `v1,` signature per live secret. */
export function signatureHeader(secrets: readonly (string | Buffer)[], id: string, timestamp: number, body: string | Buffer): string {
  return secrets.map((secret) => signStandard(secret, id, timestamp, body)).join(' ');
}

export class WebhookVerificationError extends Error {
  constructor(readonly reason: 'missing_headers' | 'timestamp_out_of_range' | 'no_matching_signature') {
    super(`webhook verification failed: ${reason}`);
    this.name = 'WebhookVerificationError';
  }
}

/** Verifies a received request the way a Standard Webhooks receiver does; throws on failure. */
export function verifyStandard(
  secret: string,
  headers: { 'webhook-id'?: string; 'webhook-timestamp'?: string; 'webhook-signature'?: string },
  body: string | Buffer,
  nowSeconds = Math.floor(Date.now() / 1000),
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): void {
  const id = headers['webhook-id'];
  const timestamp = Number(headers['webhook-timestamp']);
  const header = headers['webhook-signature'];
  if (!id || !header || !Number.isInteger(timestamp)) throw new WebhookVerificationError('missing_headers');
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) throw new WebhookVerificationError('timestamp_out_of_range');
  const expected = Buffer.from(signStandard(secret, id, timestamp, body));
  const matches = header.split(' ').some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) throw new WebhookVerificationError('no_matching_signature');
}
