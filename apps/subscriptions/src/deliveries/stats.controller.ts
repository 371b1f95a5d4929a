import { Controller, Get, Param, Query } from '@nestjs/common';
import { DeliveryRepository } from '@herald/persistence';
import { Caller, Principal } from '@herald/platform';
import { AppsService } from '../apps/apps.service';
import { StatsQueryDto } from '../endpoints/dto/endpoint-actions.dto';

/** An app's delivery statistics, in all and per endpoint (what monitoring dashboards read). */
@Controller('v1/apps/:appId/stats')
export class StatsController {
  constructor(
    private readonly apps: AppsService,
    private readonly deliveries: DeliveryRepository,
  ) {}

  @Get()
  async get(@Caller() caller: Principal, @Param('appId') appKey: string, @Query() query: StatsQueryDto) {
    const app = await this.apps.get(appKey, caller);
    const since = query.since ? new Date(query.since) : new Date(Date.now() - 24 * 3600_000);
    return this.deliveries.appStats(app.id, since);
  }
}
