import { createHmac } from 'node:crypto';
import { hmacKey, signatureHeader } from './standard-webhooks';

import type { EndpointSignature } from '@herald/contracts';

/** How an endpoint's requests are signed (API.md, endpoint `signature`). */
export type SignatureScheme = EndpointSignature;

/** Whether a scheme can carry one signature per live secret (needed for rotation's grace period). */
export function supportsSeveralSecrets(scheme: SignatureScheme): boolean {
  return scheme.scheme === 'standard';
}

/** HMAC-SHA256 of the exact body bytes with the secret's UTF-8 bytes as key (GitHub, Logto, …). */
export function hmacSignature(secret: string, body: string | Buffer, encoding: 'hex' | 'base64' = 'hex', prefix = ''): string {
  return prefix + createHmac('sha256', hmacKey(secret, 'utf8')).update(body).digest(encoding);
}

/**
 * The headers that sign one request. `secrets` are the live secrets, newest first; schemes
 * that carry one signature use the newest. `id` and `timestamp` are Standard Webhooks'.
 */
export function signingHeaders(
  scheme: SignatureScheme,
  secrets: string[],
  id: string,
  timestamp: number,
  body: Buffer,
): Record<string, string> {
  switch (scheme.scheme) {
    case 'standard':
      return {
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signatureHeader(secrets, id, timestamp, body),
      };
    case 'hmac-sha256':
      return { [scheme.header]: hmacSignature(secrets[0], body, scheme.encoding ?? 'hex', scheme.prefix ?? '') };
    case 'shared-secret':
      return { [scheme.header]: secrets[0] };
    case 'none':
      return {};
  }
}

/** The header names a scheme sets, so recorded request headers can hide their values. */
export function signatureHeaderNames(scheme: SignatureScheme): string[] {
  switch (scheme.scheme) {
    case 'standard':
      return ['webhook-signature'];
    case 'hmac-sha256':
    case 'shared-secret':
      return [scheme.header.toLowerCase()];
    case 'none':
      return [];
  }
}
