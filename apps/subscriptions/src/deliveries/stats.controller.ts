import { Controller, Get, Param, Query } from '@nestjs/common';
import { hasIdShape, IdPrefix } from '@herald/contracts';
import { DeliveryRepository, DeliveryStatsRepository } from '@herald/persistence';
import { Caller, NotFoundProblem, Principal, ValidationProblem } from '@herald/platform';
import { AppsService } from '../apps/apps.service';
import { StatsQueryDto, TimeseriesQueryDto } from '../endpoints/dto/endpoint-actions.dto';

/** The most buckets one timeseries answers with. */
const MAX_BUCKETS = 1500;

/** An app's delivery statistics: in all and per endpoint (what monitoring dashboards read), and in time buckets (the console's charts). */
@Controller('v1/apps/:appId/stats')
export class StatsController {
  constructor(
    private readonly apps: AppsService,
    private readonly deliveries: DeliveryRepository,
    private readonly stats: DeliveryStatsRepository,
  ) {}

  @Get()
  async get(@Caller() caller: Principal, @Param('appId') appKey: string, @Query() query: StatsQueryDto) {
    const app = await this.apps.get(appKey, caller);
    const since = query.since ? new Date(query.since) : new Date(Date.now() - 24 * 3600_000);
    return this.deliveries.appStats(app.id, since);
  }

  @Get('timeseries')
  async timeseries(@Caller() caller: Principal, @Param('appId') appKey: string, @Query() query: TimeseriesQueryDto) {
    const app = await this.apps.get(appKey, caller);
    if (query.endpointId !== undefined && !hasIdShape(IdPrefix.endpoint, query.endpointId)) throw new NotFoundProblem('endpoint');
    const bucketSeconds = Number(query.bucket ?? 60);
    const step = bucketSeconds * 1000;
    // Buckets start on multiples of their width, so the same minute is the same bucket in every answer.
    const until = new Date(Math.ceil((query.until ? Date.parse(query.until) : Date.now()) / step) * step);
    const since = new Date(Math.floor((query.since ? Date.parse(query.since) : until.getTime() - 3600_000) / step) * step);
    if (until <= since) throw new ValidationProblem([{ field: 'until', message: 'until must be after since' }]);
    if ((until.getTime() - since.getTime()) / step > MAX_BUCKETS) {
      throw new ValidationProblem([
        { field: 'bucket', message: `the window holds more than ${MAX_BUCKETS} buckets: choose a wider bucket` },
      ]);
    }
    const buckets = await this.stats.timeseries(app.id, { endpointId: query.endpointId, since, until, bucketSeconds });
    return { since, until, bucketSeconds, endpointId: query.endpointId ?? null, data: buckets };
  }
}
