import { Injectable } from '@nestjs/common';
import { FieldMask, patchBody, Principal, Rpc, toWire, validateDto } from '@herald/platform';
import { AppsService } from '../apps/apps.service';
import { CreateEndpointDto, ListEndpointsQueryDto, UpdateEndpointDto } from './dto/endpoint.dto';
import { presentEndpoint } from './endpoint.presenter';
import { EndpointsService } from './endpoints.service';

type EndpointRequest = { appId?: string; endpointId?: string; updateMask?: FieldMask } & Record<string, unknown>;

/** What an update mask empties an endpoint's fields to (REST: null, {}, [] or ""). */
const CLEARED = { description: '', metadata: {}, channels: null, headers: {}, batch: null, rateLimit: null, retrySchedule: [] };

/** The endpoints methods of herald.v1.SubscriptionsService: EndpointsController's steps, over gRPC. */
@Injectable()
export class EndpointsGrpc {
  constructor(
    private readonly apps: AppsService,
    private readonly endpoints: EndpointsService,
  ) {}

  @Rpc('CreateEndpoint')
  async create({ appId = '', ...fields }: EndpointRequest, caller: Principal) {
    const dto = validateDto(CreateEndpointDto, fields);
    const app = await this.apps.get(appId, caller);
    return toWire(presentEndpoint(await this.endpoints.create(app.id, dto)));
  }

  @Rpc('ListEndpoints')
  async list({ appId = '', disabled, ...query }: EndpointRequest & { disabled?: boolean }, caller: Principal) {
    const dto = validateDto(ListEndpointsQueryDto, query);
    const app = await this.apps.get(appId, caller);
    const result = await this.endpoints.list(app.id, { eventType: dto.eventType, disabled }, dto);
    return toWire({ endpoints: result.data.map((endpoint) => presentEndpoint(endpoint)), nextCursor: result.nextCursor });
  }

  @Rpc('GetEndpoint')
  async get({ appId = '', endpointId = '' }: EndpointRequest, caller: Principal) {
    const app = await this.apps.get(appId, caller);
    return toWire(presentEndpoint(await this.endpoints.get(app.id, endpointId)));
  }

  @Rpc('UpdateEndpoint')
  async update({ appId = '', endpointId = '', updateMask, ...fields }: EndpointRequest, caller: Principal) {
    const dto = validateDto(UpdateEndpointDto, patchBody(fields, updateMask, CLEARED));
    const app = await this.apps.get(appId, caller);
    return toWire(presentEndpoint(await this.endpoints.update(app.id, endpointId, dto)));
  }

  @Rpc('DeleteEndpoint')
  async delete({ appId = '', endpointId = '' }: EndpointRequest, caller: Principal) {
    const app = await this.apps.get(appId, caller);
    await this.endpoints.delete(app.id, endpointId);
    return {};
  }
}
