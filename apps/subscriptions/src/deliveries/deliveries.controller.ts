import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { DeliveryRepository, DeliveryStatsRepository } from '@herald/persistence';
import { Caller, Principal, ValidationProblem } from '@herald/platform';
import { AppsService } from '../apps/apps.service';
import { presentDeliveryWithAttempts, presentListedDelivery } from './delivery.presenter';
import { DeliveryOperationsService } from './delivery-operations.service';
import { ListDeliveriesQueryDto } from './dto/list-deliveries.dto';

@Controller('v1/apps/:appId/deliveries')
export class DeliveriesController {
  constructor(
    private readonly apps: AppsService,
    private readonly deliveries: DeliveryRepository,
    private readonly operations: DeliveryOperationsService,
    private readonly stats: DeliveryStatsRepository,
  ) {}

  @Get()
  async list(@Caller() caller: Principal, @Param('appId') appKey: string, @Query() query: ListDeliveriesQueryDto) {
    const app = await this.apps.get(appKey, caller);
    const { endpointId, eventId, status, eventType } = query;
    const since = query.since ? new Date(query.since) : undefined;
    const until = query.until ? new Date(query.until) : undefined;
    if (since && until && until <= since) throw new ValidationProblem([{ field: 'until', message: 'until must be after since' }]);
    const result = await this.deliveries.list(app.id, { endpointId, eventId, status, eventType, since, until }, query);
    const last = await this.stats.lastAttempts(
      app.id,
      result.data.map((d) => d.id),
    );
    return { data: result.data.map((d) => presentListedDelivery(d, last.get(d.id))), nextCursor: result.nextCursor };
  }

  @Get(':deliveryId')
  async get(@Caller() caller: Principal, @Param('appId') appKey: string, @Param('deliveryId') id: string) {
    const app = await this.apps.get(appKey, caller);
    return presentDeliveryWithAttempts(await this.operations.get(app.id, id));
  }

  /** One more attempt now. */
  @Post(':deliveryId/retry')
  @HttpCode(202)
  async retry(@Caller() caller: Principal, @Param('appId') appKey: string, @Param('deliveryId') id: string) {
    const app = await this.apps.get(appKey, caller);
    return this.operations.retry(app.id, id);
  }
}
