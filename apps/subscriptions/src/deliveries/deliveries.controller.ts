import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { DeliveryFilter, DeliveryRepository } from '@herald/persistence';
import { Caller, listBody, Principal, ValidationProblem } from '@herald/platform';
import { AppsService } from '../apps/apps.service';
import { presentDeliveryItem, presentDeliveryWithAttempts } from './delivery.presenter';
import { DeliveryOperationsService } from './delivery-operations.service';
import { ListDeliveriesQueryDto } from './dto/list-deliveries.dto';

/** The repository filter of a deliveries query; `until` must come after `since`. */
export function deliveryFilter(query: ListDeliveriesQueryDto): DeliveryFilter {
  const { endpointId, eventId, status, eventType } = query;
  const since = query.since ? new Date(query.since) : undefined;
  const until = query.until ? new Date(query.until) : undefined;
  if (since && until && until <= since) throw new ValidationProblem([{ field: 'until', message: 'until must be after since' }]);
  return { endpointId, eventId, status, eventType, since, until };
}

@Controller('v1/apps/:appId/deliveries')
export class DeliveriesController {
  constructor(
    private readonly apps: AppsService,
    private readonly deliveries: DeliveryRepository,
    private readonly operations: DeliveryOperationsService,
  ) {}

  @Get()
  async list(@Caller() caller: Principal, @Param('appId') appKey: string, @Query() query: ListDeliveriesQueryDto) {
    const app = await this.apps.get(appKey, caller);
    const result = await this.deliveries.list(app.id, deliveryFilter(query), query);
    return listBody(result, presentDeliveryItem);
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
