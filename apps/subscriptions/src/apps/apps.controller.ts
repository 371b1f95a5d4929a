import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { AdminOnly, Caller, listBody, PageQueryDto, Principal } from '@herald/platform';
import { presentApp } from './app.presenter';
import { AppsService } from './apps.service';
import { CreateAppDto, UpdateAppDto } from './dto/app.dto';

@Controller('v1/apps')
export class AppsController {
  constructor(private readonly apps: AppsService) {}

  @Post()
  @AdminOnly()
  async create(@Body() dto: CreateAppDto) {
    return presentApp(await this.apps.create(dto));
  }

  @Get()
  @AdminOnly()
  async list(@Query() page: PageQueryDto) {
    const result = await this.apps.list(page);
    return listBody(result, presentApp);
  }

  /** An app token may read its own app. */
  @Get(':appId')
  async get(@Caller() caller: Principal, @Param('appId') appId: string) {
    return presentApp(await this.apps.get(appId, caller));
  }

  @Patch(':appId')
  @AdminOnly()
  async update(@Param('appId') appId: string, @Body() dto: UpdateAppDto) {
    return presentApp(await this.apps.update(appId, dto));
  }

  @Delete(':appId')
  @AdminOnly()
  @HttpCode(204)
  async delete(@Param('appId') appId: string): Promise<void> {
    await this.apps.delete(appId);
  }
}
