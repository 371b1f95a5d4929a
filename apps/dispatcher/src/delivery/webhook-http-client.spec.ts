import { DeliveryError } from '@herald/contracts';
import { errors } from 'undici';
import { classifyError } from './webhook-http-client';

const withCode = (code: string) => Object.assign(new Error(code), { code });

describe('classifyError', () => {
  it.each([
    [withCode('ECONNREFUSED'), DeliveryError.connectionRefused],
    [withCode('ECONNRESET'), DeliveryError.connectionReset],
    [withCode('ENOTFOUND'), DeliveryError.dns],
    [withCode('EAI_AGAIN'), DeliveryError.dns],
    [withCode('CERT_HAS_EXPIRED'), DeliveryError.tls],
    [withCode('DEPTH_ZERO_SELF_SIGNED_CERT'), DeliveryError.tls],
    [new errors.HeadersTimeoutError(), DeliveryError.timeout],
    [Object.assign(new Error('aborted'), { name: 'TimeoutError' }), DeliveryError.timeout],
    [Object.assign(new Error('fetch failed'), { cause: withCode('ECONNREFUSED') }), DeliveryError.connectionRefused],
  ])('classifies %s', (error, expected) => {
    expect(classifyError(error)).toBe(expected);
  });
});
