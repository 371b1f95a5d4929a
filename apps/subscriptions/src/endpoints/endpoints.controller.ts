import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ValidationProblem } from '@herald/platform';
import { DeliveryOperationsService } from '../deliveries/delivery-operations.service';
import { ReplayDto, StatsQueryDto, TestEventDto } from './dto/endpoint-actions.dto';
import { AppsService } from '../apps/apps.service';
import { CreateEndpointDto, ListEndpointsQueryDto, RotateSecretDto, UpdateEndpointDto } from './dto/endpoint.dto';
import { presentEndpoint } from './endpoint.presenter';
import { EndpointsService } from './endpoints.service';

@Controller('v1/apps/:appId/endpoints')
export class EndpointsController {
  constructor(
    private readonly apps: AppsService,
    private readonly endpoints: EndpointsService,
    private readonly operations: DeliveryOperationsService,
  ) {}

  @Post()
  async create(@Param('appId') appKey: string, @Body() dto: CreateEndpointDto) {
    const app = await this.apps.get(appKey);
    return presentEndpoint(await this.endpoints.create(app.id, dto));
  }

  @Get()
  async list(@Param('appId') appKey: string, @Query() query: ListEndpointsQueryDto) {
    const app = await this.apps.get(appKey);
    const disabled = query.disabled === undefined ? undefined : query.disabled === 'true';
    const result = await this.endpoints.list(app.id, { eventType: query.eventType, disabled }, query);
    return { data: result.data.map(presentEndpoint), nextCursor: result.nextCursor };
  }

  @Get(':endpointId')
  async get(@Param('appId') appKey: string, @Param('endpointId') id: string) {
    const app = await this.apps.get(appKey);
    return presentEndpoint(await this.endpoints.get(app.id, id));
  }

  @Get(':endpointId/secret')
  async secret(@Param('appId') appKey: string, @Param('endpointId') id: string) {
    const app = await this.apps.get(appKey);
    return { secret: (await this.endpoints.get(app.id, id)).secret };
  }

  @Post(':endpointId/secret/rotate')
  @HttpCode(200)
  async rotate(@Param('appId') appKey: string, @Param('endpointId') id: string, @Body() dto: RotateSecretDto) {
    const app = await this.apps.get(appKey);
    return { secret: await this.endpoints.rotateSecret(app.id, id, dto) };
  }

  @Patch(':endpointId')
  async update(@Param('appId') appKey: string, @Param('endpointId') id: string, @Body() dto: UpdateEndpointDto) {
    const app = await this.apps.get(appKey);
    return presentEndpoint(await this.endpoints.update(app.id, id, dto));
  }

  @Delete(':endpointId')
  @HttpCode(204)
  async delete(@Param('appId') appKey: string, @Param('endpointId') id: string): Promise<void> {
    const app = await this.apps.get(appKey);
    await this.endpoints.delete(app.id, id);
  }

  @Post(':endpointId/enable')
  @HttpCode(200)
  async enable(@Param('appId') appKey: string, @Param('endpointId') id: string) {
    const app = await this.apps.get(appKey);
    return presentEndpoint(await this.endpoints.enable(app.id, id));
  }

  @Post(':endpointId/replay')
  @HttpCode(202)
  async replay(@Param('appId') appKey: string, @Param('endpointId') id: string, @Body() dto: ReplayDto) {
    const app = await this.apps.get(appKey);
    const endpoint = await this.endpoints.get(app.id, id);
    const since = new Date(dto.since);
    const until = dto.until ? new Date(dto.until) : new Date();
    if (until <= since) throw new ValidationProblem([{ field: 'until', message: 'until must be after since' }]);
    return { count: await this.operations.replay(app.id, endpoint.id, since, until, dto.status === 'all') };
  }

  @Post(':endpointId/test')
  @HttpCode(202)
  async test(@Param('appId') appKey: string, @Param('endpointId') id: string, @Body() dto: TestEventDto) {
    const app = await this.apps.get(appKey);
    const endpoint = await this.endpoints.get(app.id, id);
    const payload = dto.payload ?? { message: 'This is a test event from Herald' };
    return { deliveryId: await this.operations.test(app.id, endpoint.id, dto.eventType ?? 'webhook.test', payload) };
  }

  @Get(':endpointId/stats')
  async stats(@Param('appId') appKey: string, @Param('endpointId') id: string, @Query() query: StatsQueryDto) {
    const app = await this.apps.get(appKey);
    const endpoint = await this.endpoints.get(app.id, id);
    const since = query.since ? new Date(query.since) : new Date(Date.now() - 24 * 3600_000);
    return this.operations.stats(app.id, endpoint.id, since);
  }
}
