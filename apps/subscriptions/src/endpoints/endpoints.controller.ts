import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { DeliveryStatsRepository, EndpointEntity } from '@herald/persistence';
import { Caller, Principal, ReadOnlySafe, ValidationProblem } from '@herald/platform';
import { DeliveryOperationsService, MAX_REPLAY } from '../deliveries/delivery-operations.service';
import { EndpointPreviewDto, ReplayDto, StatsQueryDto, TestEventDto } from './dto/endpoint-actions.dto';
import { AppsService } from '../apps/apps.service';
import { CreateEndpointDto, ListEndpointsQueryDto, RotateSecretDto, UpdateEndpointDto } from './dto/endpoint.dto';
import { presentEndpoint } from './endpoint.presenter';
import { EndpointsService, TEST_EVENT_TYPE } from './endpoints.service';

@Controller('v1/apps/:appId/endpoints')
export class EndpointsController {
  constructor(
    private readonly apps: AppsService,
    private readonly endpoints: EndpointsService,
    private readonly operations: DeliveryOperationsService,
    private readonly deliveryStats: DeliveryStatsRepository,
  ) {}

  /** Endpoints with their health (last delivery, 24 h success rate, circuit) from their attempt records. */
  private async withHealth(appId: string, endpoints: EndpointEntity[]) {
    const health = await this.deliveryStats.endpointHealth(
      appId,
      endpoints.map((e) => e.id),
    );
    return endpoints.map((endpoint) => presentEndpoint(endpoint, health.get(endpoint.id)));
  }

  /** The exact request (headers and body bytes) a sample event produces with these settings; nothing is sent. */
  @Post('preview')
  @HttpCode(200)
  @ReadOnlySafe()
  async preview(@Caller() caller: Principal, @Param('appId') appKey: string, @Body() dto: EndpointPreviewDto) {
    const app = await this.apps.get(appKey, caller);
    return this.endpoints.preview(app.id, dto);
  }

  @Post()
  async create(@Caller() caller: Principal, @Param('appId') appKey: string, @Body() dto: CreateEndpointDto) {
    const app = await this.apps.get(appKey, caller);
    const [created] = await this.withHealth(app.id, [await this.endpoints.create(app.id, dto)]);
    return created;
  }

  @Get()
  async list(@Caller() caller: Principal, @Param('appId') appKey: string, @Query() query: ListEndpointsQueryDto) {
    const app = await this.apps.get(appKey, caller);
    const disabled = query.disabled === undefined ? undefined : query.disabled === 'true';
    const result = await this.endpoints.list(app.id, { eventType: query.eventType, disabled }, query);
    return { data: await this.withHealth(app.id, result.data), nextCursor: result.nextCursor };
  }

  @Get(':endpointId')
  async get(@Caller() caller: Principal, @Param('appId') appKey: string, @Param('endpointId') id: string) {
    const app = await this.apps.get(appKey, caller);
    const [endpoint] = await this.withHealth(app.id, [await this.endpoints.get(app.id, id)]);
    return endpoint;
  }

  @Get(':endpointId/secret')
  async secret(@Caller() caller: Principal, @Param('appId') appKey: string, @Param('endpointId') id: string) {
    const app = await this.apps.get(appKey, caller);
    return { secret: (await this.endpoints.get(app.id, id)).secret };
  }

  @Post(':endpointId/secret/rotate')
  @HttpCode(200)
  async rotate(@Caller() caller: Principal, @Param('appId') appKey: string, @Param('endpointId') id: string, @Body() dto: RotateSecretDto) {
    const app = await this.apps.get(appKey, caller);
    return { secret: await this.endpoints.rotateSecret(app.id, id, dto) };
  }

  @Patch(':endpointId')
  async update(
    @Caller() caller: Principal,
    @Param('appId') appKey: string,
    @Param('endpointId') id: string,
    @Body() dto: UpdateEndpointDto,
  ) {
    const app = await this.apps.get(appKey, caller);
    const [updated] = await this.withHealth(app.id, [await this.endpoints.update(app.id, id, dto)]);
    return updated;
  }

  @Delete(':endpointId')
  @HttpCode(204)
  async delete(@Caller() caller: Principal, @Param('appId') appKey: string, @Param('endpointId') id: string): Promise<void> {
    const app = await this.apps.get(appKey, caller);
    await this.endpoints.delete(app.id, id);
  }

  @Post(':endpointId/enable')
  @HttpCode(200)
  async enable(@Caller() caller: Principal, @Param('appId') appKey: string, @Param('endpointId') id: string) {
    const app = await this.apps.get(appKey, caller);
    const [enabled] = await this.withHealth(app.id, [await this.endpoints.enable(app.id, id)]);
    return enabled;
  }

  @Post(':endpointId/replay')
  @HttpCode(202)
  async replay(@Caller() caller: Principal, @Param('appId') appKey: string, @Param('endpointId') id: string, @Body() dto: ReplayDto) {
    const app = await this.apps.get(appKey, caller);
    const endpoint = await this.endpoints.get(app.id, id);
    const since = new Date(dto.since);
    const until = dto.until ? new Date(dto.until) : new Date();
    if (until <= since) throw new ValidationProblem([{ field: 'until', message: 'until must be after since' }]);
    const all = dto.status === 'all';
    if (dto.dryRun)
      return { count: await this.deliveryStats.countReplayable(app.id, endpoint.id, since, until, all, MAX_REPLAY), dryRun: true };
    return { count: await this.operations.replay(app.id, endpoint.id, since, until, all) };
  }

  @Post(':endpointId/test')
  @HttpCode(202)
  async test(@Caller() caller: Principal, @Param('appId') appKey: string, @Param('endpointId') id: string, @Body() dto: TestEventDto) {
    const app = await this.apps.get(appKey, caller);
    const endpoint = await this.endpoints.get(app.id, id);
    const eventType = dto.eventType ?? TEST_EVENT_TYPE;
    const payload = dto.payload ?? (await this.endpoints.examplePayload(eventType));
    return { deliveryId: await this.operations.test(app.id, endpoint.id, eventType, payload) };
  }

  @Get(':endpointId/stats')
  async stats(@Caller() caller: Principal, @Param('appId') appKey: string, @Param('endpointId') id: string, @Query() query: StatsQueryDto) {
    const app = await this.apps.get(appKey, caller);
    const endpoint = await this.endpoints.get(app.id, id);
    const since = query.since ? new Date(query.since) : new Date(Date.now() - 24 * 3600_000);
    return this.operations.stats(app.id, endpoint.id, since);
  }
}
