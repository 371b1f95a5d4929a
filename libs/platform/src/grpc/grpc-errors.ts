import { Metadata, ServiceError, status } from '@grpc/grpc-js';
import { GRPC_PROBLEM_METADATA } from '@herald/contracts';
import type { ProblemDetails } from '../problem';

/** The gRPC status of each HTTP status the REST API answers with; anything else is INTERNAL. */
const STATUS_OF_HTTP: Record<number, status> = {
  400: status.INVALID_ARGUMENT,
  401: status.UNAUTHENTICATED,
  403: status.PERMISSION_DENIED,
  404: status.NOT_FOUND,
  409: status.ALREADY_EXISTS,
  // Too large, or not matching the event type's schema: the request is wrong, a retry will not help.
  413: status.INVALID_ARGUMENT,
  422: status.INVALID_ARGUMENT,
  429: status.RESOURCE_EXHAUSTED,
  503: status.UNAVAILABLE,
};

/** The gRPC status code for an HTTP status. */
export function grpcStatusOf(httpStatus: number): status {
  return STATUS_OF_HTTP[httpStatus] ?? status.INTERNAL;
}

/**
 * A problem as a gRPC error: the detail is the status message, the whole problem+json body is
 * the `herald-problem` trailing metadata (JSON, ASCII-escaped), and `headers` (Retry-After…)
 * become metadata too.
 */
export function toServiceError(problem: ProblemDetails, headers: Record<string, string> = {}): Partial<ServiceError> {
  const metadata = new Metadata();
  for (const [name, value] of Object.entries(headers)) metadata.set(name.toLowerCase(), value);
  metadata.set(GRPC_PROBLEM_METADATA, asciiJson(problem));
  return { code: grpcStatusOf(problem.status), details: problem.detail, metadata };
}

// Metadata values must be printable ASCII.
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[^\x20-\x7e]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
