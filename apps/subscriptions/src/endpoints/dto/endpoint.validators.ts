import { ValidatorConstraint, ValidatorConstraintInterface } from 'class-validator';
import { isStandardSecret } from '@herald/signing';

// Headers Herald sets itself, or that would break the HTTP exchange if overridden.
const RESERVED_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'content-type',
  'expect',
]);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;

/** Extra request headers: valid names, no reserved or `webhook-*` names, no CR/LF in values. */
@ValidatorConstraint({ name: 'isRequestHeaders' })
export class IsRequestHeaders implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    const entries = Object.entries(value);
    return (
      entries.length <= 32 &&
      entries.every(
        ([name, v]) =>
          TOKEN.test(name) &&
          !RESERVED_HEADERS.has(name.toLowerCase()) &&
          !name.toLowerCase().startsWith('webhook-') &&
          typeof v === 'string' &&
          v.length <= 4096 &&
          !/[\r\n\0]/.test(v),
      )
    );
  }

  defaultMessage(): string {
    return 'must map at most 32 header names to string values; hop-by-hop, host, content-* and webhook-* headers cannot be set, and values may not contain line breaks';
  }
}

@ValidatorConstraint({ name: 'isStandardSecret' })
export class IsStandardSecret implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && isStandardSecret(value);
  }

  defaultMessage(): string {
    return 'secret must be "whsec_" followed by the base64 of 24-64 bytes';
  }
}
