import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { Caller, Principal } from '@herald/platform';
import { AppsService } from '../apps/apps.service';
import { compatApp, CompatAppQueryDto, CompatPageQueryDto } from './compat-app';
import { VideoCloudCreateDto, VideoCloudTestDto, VideoCloudUpdateDto } from './videocloud.dto';
import { VideoCloudService } from './videocloud.service';

/** VideoCloud's answers are wrapped as its guide shows. */
const ok = <T>(data: T) => ({ success: true, data });

/**
 * VideoCloud's webhook management API (its guide's `/webhooks` routes), so its panel only
 * changes its base URL to `<herald>/compat/videocloud`. Errors stay problem+json.
 */
@Controller('compat/videocloud/webhooks')
export class VideoCloudController {
  constructor(
    private readonly apps: AppsService,
    private readonly videocloud: VideoCloudService,
  ) {}

  @Post()
  async create(@Caller() caller: Principal, @Query() query: CompatAppQueryDto, @Body() dto: VideoCloudCreateDto) {
    const app = await compatApp(this.apps, caller, query.app);
    return ok(await this.videocloud.create(app.id, dto));
  }

  @Get()
  async list(@Caller() caller: Principal, @Query() query: CompatPageQueryDto) {
    const app = await compatApp(this.apps, caller, query.app);
    return ok(await this.videocloud.list(app.id, query));
  }

  @Get(':id')
  async get(@Caller() caller: Principal, @Query() query: CompatAppQueryDto, @Param('id') id: string) {
    const app = await compatApp(this.apps, caller, query.app);
    return ok(await this.videocloud.get(app.id, id));
  }

  @Put(':id')
  async update(@Caller() caller: Principal, @Query() query: CompatAppQueryDto, @Param('id') id: string, @Body() dto: VideoCloudUpdateDto) {
    const app = await compatApp(this.apps, caller, query.app);
    return ok(await this.videocloud.update(app.id, id, dto));
  }

  @Delete(':id')
  async delete(@Caller() caller: Principal, @Query() query: CompatAppQueryDto, @Param('id') id: string) {
    const app = await compatApp(this.apps, caller, query.app);
    return ok(await this.videocloud.delete(app.id, id));
  }

  @Get(':id/deliveries')
  async deliveries(@Caller() caller: Principal, @Query() query: CompatPageQueryDto, @Param('id') id: string) {
    const app = await compatApp(this.apps, caller, query.app);
    return ok(await this.videocloud.deliveriesOf(app.id, id, query));
  }

  @Post(':id/test')
  @HttpCode(200)
  async test(@Caller() caller: Principal, @Query() query: CompatAppQueryDto, @Param('id') id: string, @Body() dto: VideoCloudTestDto) {
    const app = await compatApp(this.apps, caller, query.app);
    return ok(await this.videocloud.test(app.id, id, dto.event));
  }
}
