import { ValidatorConstraint, ValidatorConstraintInterface } from 'class-validator';

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

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;

/** A header name Herald may set to the event id: valid, not reserved, not `webhook-*` or `user-agent`. */
@ValidatorConstraint({ name: 'isIdHeader' })
export class IsIdHeader implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value !== 'string' || !HEADER_NAME.test(value)) return false;
    const name = value.toLowerCase();
    return !RESERVED_HEADERS.has(name) && !name.startsWith('webhook-') && name !== 'user-agent';
  }

  defaultMessage(): string {
    return 'idHeader must be a header name (e.g. "X-Webhook-Delivery"); hop-by-hop, host, content-*, user-agent and webhook-* names cannot be used';
  }
}

/** `{scheme: "standard" | "hmac-sha256" | "shared-secret" | "none", …}` with the fields each needs. */
@ValidatorConstraint({ name: 'isSignatureScheme' })
export class IsSignatureScheme implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    const { scheme, header, prefix, encoding, ...rest } = value as Record<string, unknown>;
    if (Object.keys(rest).length > 0) return false;
    const headerOk = typeof header === 'string' && HEADER_NAME.test(header) && !RESERVED_HEADERS.has(header.toLowerCase());
    switch (scheme) {
      case 'standard':
      case 'none':
        return header === undefined && prefix === undefined && encoding === undefined;
      case 'hmac-sha256':
        return (
          headerOk &&
          (prefix === undefined || (typeof prefix === 'string' && prefix.length <= 32 && !/[\r\n]/.test(prefix))) &&
          (encoding === undefined || encoding === 'hex' || encoding === 'base64')
        );
      case 'shared-secret':
        return headerOk && prefix === undefined && encoding === undefined;
      default:
        return false;
    }
  }

  defaultMessage(): string {
    return 'signature must be {scheme: "standard"}, {scheme: "hmac-sha256", header, prefix?, encoding?: "hex" | "base64"}, {scheme: "shared-secret", header} or {scheme: "none"}';
  }
}

/** `{envelope: "standard" | "data" | "transform", transform?, serialization?: "compact" | "python" | "python-sorted"}`. */
@ValidatorConstraint({ name: 'isBodyFormat' })
export class IsBodyFormat implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    const { envelope, transform, serialization, ...rest } = value as Record<string, unknown>;
    if (Object.keys(rest).length > 0) return false;
    if (serialization !== undefined && serialization !== 'compact' && serialization !== 'python' && serialization !== 'python-sorted')
      return false;
    if (transform !== undefined && (typeof transform !== 'string' || transform.length === 0 || transform.length > 10_000)) return false;
    if (envelope === 'transform') return typeof transform === 'string';
    return envelope === 'standard' || envelope === 'data';
  }

  defaultMessage(): string {
    return 'body must be {envelope: "standard" | "data"} or {envelope: "transform", transform: "<JSONata>"}, with serialization "compact", "python" or "python-sorted"';
  }
}

/** `{maxSize: 1–1000, maxWaitMs: 10–60000}`. */
@ValidatorConstraint({ name: 'isBatchSettings' })
export class IsBatchSettings implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    const { maxSize, maxWaitMs, ...rest } = value as Record<string, unknown>;
    return (
      Object.keys(rest).length === 0 &&
      Number.isInteger(maxSize) &&
      (maxSize as number) >= 1 &&
      (maxSize as number) <= 1000 &&
      Number.isInteger(maxWaitMs) &&
      (maxWaitMs as number) >= 10 &&
      (maxWaitMs as number) <= 60_000
    );
  }

  defaultMessage(): string {
    return 'batch must be {maxSize: 1-1000, maxWaitMs: 10-60000} or null';
  }
}
