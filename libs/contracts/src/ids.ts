import { hash, randomBytes } from 'node:crypto';

/** Prefixes of every public identifier (API.md, "Conventions"). */
export const IdPrefix = {
  app: 'app',
  endpoint: 'ep',
  event: 'evt',
  delivery: 'dlv',
  attempt: 'att',
  token: 'tok',
  batch: 'bat',
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

let lastTime = -1;
let lastRandom: Buffer = Buffer.alloc(10);

/**
 * A new time-sortable id such as `evt_01jd…`: 10 chars of milliseconds, 16 of randomness.
 * Within one millisecond the random part is incremented, so ids made in this process in order
 * also sort in order.
 */
export function newId(prefix: IdPrefix, now = Date.now()): string {
  if (now <= lastTime) {
    lastRandom = increment(lastRandom);
  } else {
    lastTime = now;
    lastRandom = randomBytes(10);
  }
  return `${prefix}_${encodeTime(lastTime)}${encodeBytes(lastRandom, 16)}`;
}

function increment(bytes: Buffer): Buffer {
  const next = Buffer.from(bytes);
  for (let i = next.length - 1; i >= 0; i -= 1) {
    next[i] = (next[i] + 1) & 0xff;
    if (next[i] !== 0) break;
  }
  return next;
}

/**
 * A delivery id derived from its event and endpoint, so re-running a fan-out after a crash
 * produces the same ids (and JetStream/PostgreSQL de-duplicate them). Sorts by event time: the
 * time part of a Herald event id, or, for an id the publisher chose, the event's `createdAt`.
 */
export function deliveryIdFor(eventId: string, endpointId: string, eventCreatedAt: string): string {
  const timePart = hasIdShape(IdPrefix.event, eventId) ? eventId.slice(4, 14) : encodeTime(Date.parse(eventCreatedAt));
  const digest = hash('sha256', `${eventId}\u0000${endpointId}`, 'buffer');
  return `${IdPrefix.delivery}_${timePart}${encodeBytes(digest, 16)}`;
}

/** The smallest id of this prefix made at `ms` or later: `id >= idFloor(…)` ranges over a time-sorted index. */
export function idFloor(prefix: IdPrefix, ms: number): string {
  return `${prefix}_${encodeTime(Math.max(0, Math.floor(ms)))}`;
}

/** True when `value` looks like an id with this prefix (cheap shape check before a lookup). */
export function hasIdShape(prefix: IdPrefix, value: string): boolean {
  return ID_SHAPES[prefix].test(value);
}

const ID_SHAPES = Object.fromEntries(Object.values(IdPrefix).map((prefix) => [prefix, new RegExp(`^${prefix}_[0-9a-z]{26}$`)])) as Record<
  IdPrefix,
  RegExp
>;

/** A caller-chosen key: an event `id`, a channel, an `Idempotency-Key`. */
export const CALLER_KEY_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
export const CALLER_KEY_RULE = '1-128 of [A-Za-z0-9_.:-]';

/** The id of an event taken from a stream message: the same on every redelivery of that message. */
export function eventIdFromMessage(stream: string, streamSequence: number, timestampMs: number): string {
  const digest = hash('sha256', `${stream}\u0000${streamSequence}`, 'buffer');
  return `${IdPrefix.event}_${encodeTime(timestampMs)}${encodeBytes(digest, 16)}`;
}
