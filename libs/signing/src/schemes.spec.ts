import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { hmacSignature, signingHeaders } from './schemes';

describe('signature schemes', () => {
  it('reproduces GitHub’s documented X-Hub-Signature-256 vector', () => {
    const headers = signingHeaders(
      { scheme: 'hmac-sha256', header: 'X-Hub-Signature-256', prefix: 'sha256=', encoding: 'hex' },
      ["It's a Secret to Everybody"],
      'evt_1',
      0,
      Buffer.from('Hello, World!'),
    );
    expect(headers).toEqual({ 'X-Hub-Signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17' });
  });

  it('signs base64 when asked, over the exact bytes', () => {
    const body = Buffer.from('{"a":"é"}');
    expect(hmacSignature('0123456789abcdef', body, 'base64')).toBe(createHmac('sha256', '0123456789abcdef').update(body).digest('base64'));
  });

  it('sends the secret itself for shared-secret, nothing for none, Standard Webhooks by default', () => {
    const body = Buffer.from('{}');
    expect(signingHeaders({ scheme: 'shared-secret', header: 'x-webhook-secret' }, ['s3cret-s3cret-16'], 'e', 1, body)).toEqual({
      'x-webhook-secret': 's3cret-s3cret-16',
    });
    expect(signingHeaders({ scheme: 'none' }, ['x'], 'e', 1, body)).toEqual({});
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const now = Math.floor(Date.now() / 1000);
    const headers = signingHeaders({ scheme: 'standard' }, [secret], 'evt_9', now, body);
    expect(new Webhook(secret).verify(body.toString(), headers)).toEqual({});
  });
});
