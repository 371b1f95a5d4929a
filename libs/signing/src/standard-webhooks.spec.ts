import { Webhook } from 'standardwebhooks';
import {
  generateSecret,
  isStandardSecret,
  signStandard,
  signatureHeader,
  verifyStandard,
  WebhookVerificationError,
} from './standard-webhooks';

// The published test vector of the Standard Webhooks specification.
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

describe('Standard Webhooks signing', () => {
  it('reproduces the specification test vector', () => {
    expect(signStandard(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
  });

  it('verifies the test vector and rejects a tampered body', () => {
    const headers = { 'webhook-id': VECTOR.id, 'webhook-timestamp': String(VECTOR.timestamp), 'webhook-signature': VECTOR.signature };
    expect(() => verifyStandard(VECTOR.secret, headers, VECTOR.body, VECTOR.timestamp)).not.toThrow();
    expect(() => verifyStandard(VECTOR.secret, headers, '{"test": 1}', VECTOR.timestamp)).toThrow(WebhookVerificationError);
    expect(() => verifyStandard(VECTOR.secret, headers, VECTOR.body, VECTOR.timestamp + 301)).toThrow('timestamp_out_of_range');
  });

  it('generates whsec_ secrets of 32 random bytes that the standardwebhooks library accepts', () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(isStandardSecret(secret)).toBe(true);
    expect(generateSecret()).not.toBe(secret);

    const now = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ type: 'user.created', data: { name: 'Ада' } });
    const headers = {
      'webhook-id': 'evt_1',
      'webhook-timestamp': String(now),
      'webhook-signature': signatureHeader([secret], 'evt_1', now, body),
    };
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('signs with every live secret so either one verifies', () => {
    const [oldSecret, newSecret] = [generateSecret(), generateSecret()];
    const now = Math.floor(Date.now() / 1000);
    const header = signatureHeader([newSecret, oldSecret], 'evt_2', now, '{}');
    expect(header.split(' ')).toHaveLength(2);
    for (const secret of [oldSecret, newSecret]) {
      expect(() =>
        verifyStandard(secret, { 'webhook-id': 'evt_2', 'webhook-timestamp': String(now), 'webhook-signature': header }, '{}', now),
      ).not.toThrow();
    }
  });

  it('tells secrets of the wrong shape apart', () => {
    expect(isStandardSecret('whsec_short')).toBe(false);
    expect(isStandardSecret('not-a-secret-at-all-really')).toBe(false);
    expect(isStandardSecret(VECTOR.secret)).toBe(true);
  });
});
