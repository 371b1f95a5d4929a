import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/** The prefix of a sealed value: version 1 = AES-256-GCM, 12-byte IV, 16-byte tag. */
const SEALED = 'hv1:';
/** What the key fingerprint is an HMAC of; changing it would make every stored fingerprint mismatch. */
const FINGERPRINT_LABEL = 'herald key check v1';

/**
 * Seals secrets at rest (endpoint secrets in PostgreSQL, in the outbox and on HERALD_CONFIG,
 * kept responses that carry a secret or token) with AES-256-GCM under HERALD_ENCRYPTION_KEY.
 * `hv1:` + base64(iv ‖ tag ‖ ciphertext); a fresh IV per value.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(keyBase64: string) {
    this.key = Buffer.from(keyBase64, 'base64');
    if (this.key.length !== 32) throw new Error('HERALD_ENCRYPTION_KEY must be 32 bytes, base64-encoded');
  }

  /**
   * Names the key without revealing it: an HMAC of a fixed label under the key (16 hex digits),
   * stored with the data so a process with another key can say so instead of failing later.
   */
  fingerprint(): string {
    return createHmac('sha256', this.key).update(FINGERPRINT_LABEL).digest('hex').slice(0, 16);
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return SEALED + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  /** Opens a sealed value; a value that was never sealed (written before encryption) is returned as it is. */
  open(value: string): string {
    if (!value.startsWith(SEALED)) return value;
    const raw = Buffer.from(value.slice(SEALED.length), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}

let active: SecretBox | undefined;

/** Makes `box` the one every entity column and message uses in this process (ConfigModule does it). */
export function useSecretBox(box: SecretBox): void {
  active = box;
}

/** The process's SecretBox; throws if no configuration was loaded. */
export function secretBox(): SecretBox {
  if (!active) throw new Error('no HERALD_ENCRYPTION_KEY configured in this process (ConfigModule.forRoot)');
  return active;
}
