import type { Metadata } from '@grpc/grpc-js';
import { ValidationProblem } from '../problem';

// Requests arrive decoded by @grpc/proto-loader with lowerCamelCase names and without defaults:
// a field the client did not set is absent. So a request's fields are the REST body's fields,
// and the DTOs of the REST API validate them unchanged.

/** `google.protobuf.Value` as @grpc/proto-loader decodes it: one of these is set. */
export interface StructValue {
  nullValue?: string;
  numberValue?: number;
  stringValue?: string;
  boolValue?: boolean;
  structValue?: Struct;
  listValue?: { values?: StructValue[] };
}

/** `google.protobuf.Struct`, decoded. */
export interface Struct {
  fields?: Record<string, StructValue>;
}

/** `google.protobuf.FieldMask`, decoded. */
export interface FieldMask {
  paths?: string[];
}

/** The JSON object a `google.protobuf.Struct` holds; undefined when the field is unset. */
export function fromStruct(struct: Struct | undefined): Record<string, unknown> | undefined {
  if (!struct) return undefined;
  return Object.fromEntries(Object.entries(struct.fields ?? {}).map(([key, value]) => [key, fromValue(value)]));
}

function fromValue(value: StructValue): unknown {
  if (value.structValue) return fromStruct(value.structValue);
  if (value.listValue) return (value.listValue.values ?? []).map(fromValue);
  return value.numberValue ?? value.stringValue ?? value.boolValue ?? null;
}

/** A response for the wire: Dates become ISO 8601 strings (as in REST), nested anywhere. */
export function toWire<T>(value: T): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toWire);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, toWire(inner)]));
  }
  return value;
}

/** Only the fields that are set (not undefined). */
export function definedFields(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

/**
 * The REST PATCH body of an update request (AIP-134). Without an update mask: every field that
 * is set. With one: exactly the listed fields (snake_case or lowerCamelCase), each with its value
 * or, when unset, its empty value from `cleared` (null for "none", {} for a map…); a listed
 * field that is unset and has no empty value is an error.
 */
export function patchBody(
  fields: Record<string, unknown>,
  mask: FieldMask | undefined,
  cleared: Record<string, unknown>,
): Record<string, unknown> {
  const paths = mask?.paths ?? [];
  if (paths.length === 0) return definedFields(fields);
  const body: Record<string, unknown> = {};
  for (const path of paths) {
    const field = path.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
    if (fields[field] !== undefined) body[field] = fields[field];
    else if (field in cleared) body[field] = cleared[field];
    else {
      throw new ValidationProblem([
        { field: 'updateMask', message: `"${path}" is listed but not set, and cannot be emptied (or is no field of this update)` },
      ]);
    }
  }
  return body;
}

/** A call's text metadata as request headers (for `traceparent`, `tracestate`). */
export function metadataHeaders(metadata: Metadata): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata.getMap())) if (typeof value === 'string') headers[key] = value;
  return headers;
}
