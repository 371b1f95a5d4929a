import { Body, Controller, Headers, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { Caller, OwnIdempotency, Principal, ProblemException, ValidationProblem } from '@herald/platform';
import type { Response } from 'express';
import { AppDirectory } from '../apps/app-directory';
import { PublishBatchDto } from './dto/publish-batch.dto';
import { PublishEventDto } from './dto/publish-event.dto';
import { EventsService, PublishResult } from './events.service';
import { IngestRateLimiter } from './ingest-rate-limiter';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{1,128}$/;

@Controller('v1/apps/:appId/events')
export class EventsController {
  constructor(
    private readonly apps: AppDirectory,
    private readonly events: EventsService,
    private readonly limiter: IngestRateLimiter,
  ) {}

  /** 202 once JetStream acknowledged the event; `Idempotency-Key` is the event's id here. */
  @Post()
  @OwnIdempotency()
  @HttpCode(202)
  async publish(
    @Caller() caller: Principal,
    @Param('appId') appKey: string,
    @Body() dto: PublishEventDto,
    @Headers() headers: Record<string, string | undefined>,
    @Res({ passthrough: true }) response: Response,
  ) {
    const idempotencyKey = headers['idempotency-key'];
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new ValidationProblem([{ field: 'Idempotency-Key', message: 'must be 1-128 of [A-Za-z0-9_.:-]' }]);
    }
    const appId = await this.apps.resolve(appKey, caller);
    this.throttle(appId, 1, response);
    const result = await this.events.publish(appId, dto, { idempotencyKey, headers });
    if (result.deprecated) response.setHeader('Deprecation', 'true');
    return result;
  }

  /** Up to 500 events; each gets its own result or error, in order. */
  @Post('batch')
  @HttpCode(202)
  async publishBatch(
    @Caller() caller: Principal,
    @Param('appId') appKey: string,
    @Body() dto: PublishBatchDto,
    @Headers() headers: Record<string, string | undefined>,
    @Res({ passthrough: true }) response: Response,
  ): Promise<{ data: (PublishResult | { error: ItemError })[] }> {
    const appId = await this.apps.resolve(appKey, caller);
    this.throttle(appId, dto.events.length, response);
    const data = await Promise.all(
      dto.events.map((event, index) =>
        this.events.publish(appId, event, { headers }).catch((error: unknown) => ({ error: itemError(error, index) })),
      ),
    );
    return { data };
  }

  private throttle(appId: string, count: number, response: Response): void {
    const wait = this.limiter.take(appId, count);
    if (wait === 0) return;
    response.setHeader('Retry-After', String(wait));
    throw new ProblemException(
      HttpStatus.TOO_MANY_REQUESTS,
      'rate-limited',
      `this app may publish at most its rate limit of events per second; retry in ${wait} s`,
    );
  }
}

interface ItemError {
  status: number;
  detail: string;
  errors?: { field: string; message: string }[];
}

/** A batch item's error in the problem shape, its fields prefixed with the item's position. */
function itemError(error: unknown, index: number): ItemError {
  if (!(error instanceof ProblemException)) throw error;
  const errors = error.errors?.map((e) => ({ field: `events.${index}.${e.field}`, message: e.message }));
  return { status: error.getStatus(), detail: error.message, ...(errors ? { errors } : {}) };
}
