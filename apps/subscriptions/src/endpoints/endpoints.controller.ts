import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { AppsService } from '../apps/apps.service';
import { CreateEndpointDto, ListEndpointsQueryDto, UpdateEndpointDto } from './dto/endpoint.dto';
import { presentEndpoint } from './endpoint.presenter';
import { EndpointsService } from './endpoints.service';

@Controller('v1/apps/:appId/endpoints')
export class EndpointsController {
  constructor(
    private readonly apps: AppsService,
    private readonly endpoints: EndpointsService,
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
}
