import { HttpException, HttpStatus } from '@nestjs/common';

/** One field-level problem of a request. */
export interface FieldError {
  field: string;
  message: string;
}

/** An RFC 9457 problem details body. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
  errorId?: string;
  /** Readiness problems: each check's state. */
  checks?: Record<string, unknown>;
}

/**
 * An HTTP error answered as problem+json; `code` becomes the problem type. `headers` go with
 * the answer: as HTTP headers over REST, as trailing metadata over gRPC.
 */
export class ProblemException extends HttpException {
  constructor(
    status: HttpStatus,
    readonly code: string,
    detail: string,
    readonly errors?: FieldError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail, status);
  }
}

export class NotFoundProblem extends ProblemException {
  constructor(what: string) {
    super(HttpStatus.NOT_FOUND, 'not-found', `${what} not found`);
  }
}

export class ValidationProblem extends ProblemException {
  constructor(errors: FieldError[], status: HttpStatus = HttpStatus.BAD_REQUEST) {
    super(status, 'validation', errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
  }
}

export class ConflictProblem extends ProblemException {
  constructor(detail: string, field?: string) {
    super(HttpStatus.CONFLICT, 'conflict', detail, field ? [{ field, message: detail }] : undefined);
  }
}

/** A problem type URI for a code. */
export function problemType(code: string): string {
  return `urn:herald:problem:${code}`;
}
