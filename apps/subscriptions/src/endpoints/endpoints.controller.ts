import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { DeliveryStatsRepository } from '@herald/persistence';
import { Caller, Principal, ReadOnlySafe, ValidationProblem } from '@herald/platform';
import { DeliveryOperationsService, MAX_REPLAY } from '../deliveries/delivery-operations.service';
import { EndpointPreviewDto, ReplayDto, StatsQueryDto, TestEventDto } from './dto/endpoint-actions.dto';
import { AppsService } from '../apps/apps.service';
import { CreateEndpointDto, ListEndpointsQueryDto, RotateSecretDto, UpdateEndpointDto } from './dto/endpoint.dto';
import { EndpointsService } from './endpoints.service';

@Controller('v1/apps/:appId/endpoints')
export class EndpointsController {
  constructor(
    private readonly apps: AppsService,
    private readonly endpoints: EndpointsService,
    private readonly operations: DeliveryOperationsService,
    private readonly deliveryStats: DeliveryStatsRepository,
  ) {}

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
    return this.endpoints.present(await this.endpoints.create(app.id, dto));
  }

  @Get()
  async list(@Caller() caller: Principal, @Param('appId') appKey: string, @Query() query: ListEndpointsQueryDto) {
    const app = await this.apps.get(appKey, caller);
    const disabled = query.disabled === undefined ? undefined : query.disabled === 'true';
    const result = await this.endpoints.list(app.id, { eventType: query.eventType, disabled }, query);
    return this.endpoints.presentPage(app.id, result);
  }

  @Get(':endpointId')
  async get(@Caller() caller: Principal, @Param('appId') appKey: string, @Param('endpointId') id: string) {
    const app = await this.apps.get(appKey, caller);
    return this.endpoints.present(await this.endpoints.get(app.id, id));
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
    return this.endpoints.present(await this.endpoints.update(app.id, id, dto));
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
    return this.endpoints.present(await this.endpoints.enable(app.id, id));
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
    return { deliveryId: await this.operations.sendTest(app.id, endpoint.id, dto.eventType, dto.payload) };
  }

  @Get(':endpointId/stats')
  async stats(@Caller() caller: Principal, @Param('appId') appKey: string, @Param('endpointId') id: string, @Query() query: StatsQueryDto) {
    const app = await this.apps.get(appKey, caller);
    const endpoint = await this.endpoints.get(app.id, id);
    const since = query.since ? new Date(query.since) : new Date(Date.now() - 24 * 3600_000);
    return this.operations.stats(app.id, endpoint.id, since);
  }
}
