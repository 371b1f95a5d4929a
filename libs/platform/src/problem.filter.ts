import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { InvalidCursorError, isDatabaseUnavailable, UniqueViolationError } from '@herald/persistence';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Response } from 'express';
import { ProblemDetails, ProblemException, problemType } from './problem';

/** Maps every error to an `application/problem+json` response; logs 5xx with an error id. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetails');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const response = host.switchToHttp().getResponse<Response>();
    if (exception instanceof ProblemException) {
      for (const [name, value] of Object.entries(exception.headers)) response.setHeader(name, value);
    }
    sendProblem(response, this.toProblem(exception));
  }

  toProblem(exception: unknown): ProblemDetails {
    if (exception instanceof ProblemException) {
      return problem(exception.getStatus(), exception.code, exception.message, exception.errors);
    }
    if (exception instanceof InvalidCursorError) {
      return problem(400, 'validation', exception.message, [{ field: 'cursor', message: exception.message }]);
    }
    if (exception instanceof UniqueViolationError) {
      return problem(409, 'conflict', 'a resource with this unique value already exists');
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const message = typeof body === 'string' ? body : (body as { message?: unknown }).message;
      const detail = typeof message === 'string' ? message : Array.isArray(message) ? message.join('; ') : exception.message;
      if (status < 500) return problem(status, slug(status), detail);
      if (status === 503) {
        // A readiness check (terminus) that failed: say which dependencies are down.
        const checks = (body as { error?: Record<string, unknown>; details?: Record<string, unknown> }).details;
        const down = Object.keys((body as { error?: Record<string, unknown> }).error ?? {});
        return { ...problem(503, 'not-ready', down.length ? `not ready: ${down.join(', ')} down` : detail), ...(checks ? { checks } : {}) };
      }
    }
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn(`database unavailable: ${(exception as Error).message}`);
      return problem(503, 'unavailable', 'the database is unavailable; retry later');
    }
    const errorId = randomUUID();
    this.logger.error(`unhandled error ${errorId}`, exception instanceof Error ? exception.stack : String(exception));
    return { ...problem(500, 'internal', `an internal error occurred (error id ${errorId})`), errorId };
  }
}

function slug(status: number): string {
  return (STATUS_CODES[status] ?? 'error').toLowerCase().replace(/[^a-z]+/g, '-');
}

function problem(status: number, code: string, detail: string, errors?: ProblemDetails['errors']): ProblemDetails {
  const body: ProblemDetails = { type: problemType(code), title: STATUS_CODES[status] ?? 'Error', status, detail };
  if (errors) body.errors = errors;
  return body;
}

/** Writes a problem details response. */
export function sendProblem(response: Response, body: ProblemDetails): void {
  response.status(body.status).type('application/problem+json').send(JSON.stringify(body));
}

/** The problem for a body-parser error (malformed JSON, too large, bad encoding). */
export function bodyParserProblem(error: { status?: number; type?: string; limit?: number }): ProblemDetails | null {
  if (error.type === 'entity.too.large') {
    return problem(HttpStatus.PAYLOAD_TOO_LARGE, 'payload-too-large', `request body exceeds ${error.limit} bytes`, [
      { field: 'body', message: `must be at most ${error.limit} bytes` },
    ]);
  }
  if (error.type === 'entity.parse.failed') {
    return problem(HttpStatus.BAD_REQUEST, 'malformed-json', 'request body is not valid JSON', [
      { field: 'body', message: 'must be valid JSON' },
    ]);
  }
  if (typeof error.status === 'number' && error.status >= 400 && error.status < 500) {
    return problem(error.status, slug(error.status), `request body could not be read (${error.type ?? 'unknown'})`, [
      { field: 'body', message: 'could not be read' },
    ]);
  }
  return null;
}

/** The 400 problem body naming bad fields, for code outside Nest's exception filter (middleware). */
export function toValidationProblemBody(errors: { field: string; message: string }[]): ProblemDetails {
  return problem(HttpStatus.BAD_REQUEST, 'validation', errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
}
