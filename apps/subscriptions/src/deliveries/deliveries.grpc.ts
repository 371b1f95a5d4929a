import { Injectable } from '@nestjs/common';
import { DeliveryRepository } from '@herald/persistence';
import { Principal, Rpc, toWire, validateDto } from '@herald/platform';
import { AppsService } from '../apps/apps.service';
import { presentDelivery, presentDeliveryWithAttempts } from './delivery.presenter';
import { DeliveryOperationsService } from './delivery-operations.service';
import { deliveryFilter } from './deliveries.controller';
import { ListDeliveriesQueryDto } from './dto/list-deliveries.dto';

type DeliveryRequest = { appId?: string; deliveryId?: string } & Record<string, unknown>;

/** The deliveries methods of herald.v1.SubscriptionsService: DeliveriesController's steps, over gRPC. */
@Injectable()
export class DeliveriesGrpc {
  constructor(
    private readonly apps: AppsService,
    private readonly deliveries: DeliveryRepository,
    private readonly operations: DeliveryOperationsService,
  ) {}

  @Rpc('ListDeliveries')
  async list({ appId = '', ...query }: DeliveryRequest, caller: Principal) {
    const dto = validateDto(ListDeliveriesQueryDto, query);
    const app = await this.apps.get(appId, caller);
    const result = await this.deliveries.list(app.id, deliveryFilter(dto), dto);
    return toWire({ deliveries: result.data.map(presentDelivery), nextCursor: result.nextCursor });
  }

  @Rpc('GetDelivery')
  async get({ appId = '', deliveryId = '' }: DeliveryRequest, caller: Principal) {
    const app = await this.apps.get(appId, caller);
    return toWire(presentDeliveryWithAttempts(await this.operations.get(app.id, deliveryId)));
  }

  /** One more attempt now. */
  @Rpc('RetryDelivery')
  async retry({ appId = '', deliveryId = '' }: DeliveryRequest, caller: Principal) {
    const app = await this.apps.get(appId, caller);
    return this.operations.retry(app.id, deliveryId);
  }
}
