import { Body, Controller, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { ValidationProblem } from '@herald/platform';
import { AppDirectory } from '../apps/app-directory';
import { PublishEventDto } from './dto/publish-event.dto';
import { EventsService } from './events.service';

@Controller('v1/apps/:appId/events')
export class EventsController {
  constructor(
    private readonly apps: AppDirectory,
    private readonly events: EventsService,
  ) {}

  /** 202 once JetStream acknowledged the event. */
  @Post()
  @HttpCode(202)
  async publish(
    @Param('appId') appKey: string,
    @Body() dto: PublishEventDto,
    @Headers() headers: Record<string, string | undefined>,
    @Headers('idempotency-key') idempotencyKey?: string,
  ) {
    if (idempotencyKey !== undefined && !/^[A-Za-z0-9_.:-]{1,128}$/.test(idempotencyKey)) {
      throw new ValidationProblem([{ field: 'Idempotency-Key', message: 'must be 1-128 of [A-Za-z0-9_.:-]' }]);
    }
    const appId = await this.apps.resolve(appKey);
    return this.events.publish(appId, dto, idempotencyKey, headers);
  }
}
