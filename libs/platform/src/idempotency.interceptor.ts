import { CallHandler, ExecutionContext, HttpStatus, Inject, Injectable, NestInterceptor, SetMetadata, Logger } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { CALLER_KEY_PATTERN, CALLER_KEY_RULE } from '@herald/contracts';
import { IdempotencyRepository } from '@herald/persistence';
import { createHash, createHmac } from 'node:crypto';
import type { Request, Response } from 'express';
import { from, lastValueFrom, Observable } from 'rxjs';
import { bearerToken } from './auth.guard';
import { ConflictProblem, ProblemException, ValidationProblem } from './problem';

const OWN_IDEMPOTENCY = 'herald:own-idempotency';
const PRUNE_EVERY_MS = 3600_000;

/** Marks a POST route that gives `Idempotency-Key` its own meaning (event publishing). */
export const OwnIdempotency = () => SetMetadata(OWN_IDEMPOTENCY, true);

/**
 * `Idempotency-Key` on every POST (API.md, "Conventions"): the first request with a key runs and
 * its response is kept for 24 hours per token; a repeat with the same key and token gets that
 * response again (`Idempotent-Replayed: true`) and runs nothing. The key is claimed before the
 * request runs, so a concurrent repeat gets 409; a request that failed frees its key (and one
 * whose process died, after a 5-minute lease); reusing a key for a different request is 422.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger(IdempotencyInterceptor.name);
  private prunedAt = 0;

  constructor(
    private readonly reflector: Reflector,
    private readonly keys: IdempotencyRepository,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<Request>();
    const key = request.headers['idempotency-key'];
    if (request.method !== 'POST' || key === undefined) return next.handle();
    if (this.reflector.get<boolean>(OWN_IDEMPOTENCY, context.getHandler())) return next.handle();
    if (typeof key !== 'string' || !CALLER_KEY_PATTERN.test(key)) {
      throw new ValidationProblem([{ field: 'Idempotency-Key', message: `must be ${CALLER_KEY_RULE}` }]);
    }
    const response = context.switchToHttp().getResponse<Response>();
    const status = this.reflector.get<number>(HTTP_CODE_METADATA, context.getHandler()) ?? HttpStatus.CREATED;
    return from(this.run(request, response, key, status, next));
  }

  private async run(request: Request, response: Response, key: string, status: number, next: CallHandler): Promise<unknown> {
    // Keyed, so the table holds nothing a guess at the admin token could be checked against.
    const scope = createHmac('sha256', this.config.encryptionKey)
      .update(bearerToken(request.headers.authorization) ?? '')
      .digest('hex');
    const requestHash = createHash('sha256')
      .update(`${request.method} ${request.originalUrl}\n${JSON.stringify(request.body ?? null)}`)
      .digest('hex');
    this.pruneNowAndThen();
    const first = await this.keys.claim(scope, key, requestHash);
    if (first) {
      if (first.requestHash !== requestHash) {
        throw new ProblemException(
          HttpStatus.UNPROCESSABLE_ENTITY,
          'idempotency-key-reused',
          'this Idempotency-Key was used for a different request',
          [{ field: 'Idempotency-Key', message: 'was used for a different request' }],
        );
      }
      if (first.status === null)
        throw new ConflictProblem('a request with this Idempotency-Key is still being processed', 'Idempotency-Key');
      response.setHeader('Idempotent-Replayed', 'true');
      return first.body;
    }
    let body: unknown;
    try {
      body = await lastValueFrom(next.handle(), { defaultValue: undefined });
    } catch (error) {
      await this.keys.release(scope, key);
      throw error;
    }
    // The request ran: answer it even if its response cannot be kept (the key's claim then
    // lapses after its lease, and a repeat would run again).
    await this.keys
      .complete(scope, key, status, body)
      .catch((error: Error) => this.logger.warn(`could not keep the response for an Idempotency-Key: ${error.message}`));
    return body;
  }

  private pruneNowAndThen(): void {
    if (Date.now() - this.prunedAt < PRUNE_EVERY_MS) return;
    this.prunedAt = Date.now();
    this.keys.prune().catch((error: Error) => this.logger.warn(`pruning idempotency keys failed: ${error.message}`));
  }
}
