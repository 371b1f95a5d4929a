import { Body, Controller, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { Caller, OwnIdempotency, Principal } from '@herald/platform';
import type { Response } from 'express';
import { AppDirectory } from '../apps/app-directory';
import { PublishBatchDto } from './dto/publish-batch.dto';
import { PublishEventDto } from './dto/publish-event.dto';
import { BatchItem, EventsService } from './events.service';
import { IngestRateLimiter } from './ingest-rate-limiter';

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
    const appId = await this.apps.resolve(appKey, caller);
    this.limiter.enforce(appId, 1);
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
  ): Promise<{ data: BatchItem[] }> {
    const appId = await this.apps.resolve(appKey, caller);
    this.limiter.enforce(appId, dto.events.length);
    return { data: await this.events.publishBatch(appId, dto.events, { headers }) };
  }
}
