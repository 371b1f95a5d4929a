import { randomBytes } from 'node:crypto';
import { SecretBox } from './secret-box';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32).toString('base64'));

  it('seals to a different ciphertext each time and opens it back', () => {
    const a = box.seal('whsec_abc');
    const b = box.seal('whsec_abc');
    expect(a).toMatch(/^hv1:/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('whsec_abc');
    expect(box.open(a)).toBe('whsec_abc');
    expect(box.open(b)).toBe('whsec_abc');
  });

  it('refuses a tampered value or another key', () => {
    const sealed = box.seal('secret');
    const raw = Buffer.from(sealed.slice(4), 'base64');
    raw[raw.length - 1] ^= 1;
    expect(() => box.open(`hv1:${raw.toString('base64')}`)).toThrow();
    expect(() => new SecretBox(randomBytes(32).toString('base64')).open(sealed)).toThrow();
  });

  it('passes a value written before encryption through, and refuses a key of the wrong size', () => {
    expect(box.open('whsec_legacy')).toBe('whsec_legacy');
    expect(() => new SecretBox(randomBytes(16).toString('base64'))).toThrow('32 bytes');
  });
});
