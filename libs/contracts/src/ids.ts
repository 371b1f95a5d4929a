import { createHash, randomBytes } from 'node:crypto';

/** Prefixes of every public identifier (API.md, "Conventions"). */
export const IdPrefix = {
  app: 'app',
  endpoint: 'ep',
  event: 'evt',
  delivery: 'dlv',
  attempt: 'att',
  token: 'tok',
} as const;
export type IdPrefix = (typeof IdPrefix)[keyof typeof IdPrefix];

// Crockford base32: sorts the same as the number it encodes.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

function encodeTime(ms: number): string {
  let out = '';
  let rest = ms;
  for (let i = 0; i < 10; i += 1) {
    out = ALPHABET[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function encodeBytes(bytes: Buffer, chars: number): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const byte of bytes) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      out += ALPHABET[(acc >> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
  }
  return out;
}

/** A new time-sortable id such as `evt_01jd…`: 10 chars of milliseconds, 16 of randomness. */
export function newId(prefix: IdPrefix, now = Date.now()): string {
  return `${prefix}_${encodeTime(now)}${encodeBytes(randomBytes(10), 16)}`;
}

/**
 * A delivery id derived from its event and endpoint, so re-running a fan-out after a crash
 * produces the same ids (and JetStream/PostgreSQL de-duplicate them). Sorts by event time.
 */
export function deliveryIdFor(eventId: string, endpointId: string): string {
  const timePart = eventId.slice(eventId.indexOf('_') + 1, eventId.indexOf('_') + 11);
  const digest = createHash('sha256').update(`${eventId}\u0000${endpointId}`).digest();
  return `${IdPrefix.delivery}_${timePart}${encodeBytes(digest, 16)}`;
}

/** True when `value` looks like an id with this prefix (cheap shape check before a lookup). */
export function hasIdShape(prefix: IdPrefix, value: string): boolean {
  return new RegExp(`^${prefix}_[0-9a-z]{26}$`).test(value);
}
