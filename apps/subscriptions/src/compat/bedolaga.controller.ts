import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { Caller, Principal } from '@herald/platform';
import { AppsService } from '../apps/apps.service';
import { compatApp, CompatAppQueryDto } from './compat-app';
import { BedolagaCreateDto, BedolagaDeliveriesQueryDto, BedolagaListQueryDto, BedolagaUpdateDto } from './bedolaga.dto';
import { BedolagaService } from './bedolaga.service';

/**
 * The Telegram bot panel's webhook API (its docs' `/webhooks` routes, snake_case), so the
 * panel only changes its base URL to `<herald>/compat/bedolaga`. Errors stay problem+json.
 */
@Controller('compat/bedolaga/webhooks')
export class BedolagaController {
  constructor(
    private readonly apps: AppsService,
    private readonly bedolaga: BedolagaService,
  ) {}

  @Post()
  async create(@Caller() caller: Principal, @Query() query: CompatAppQueryDto, @Body() dto: BedolagaCreateDto) {
    const app = await compatApp(this.apps, caller, query.app);
    return this.bedolaga.create(app.id, dto);
  }

  @Get()
  async list(@Caller() caller: Principal, @Query() query: BedolagaListQueryDto) {
    const app = await compatApp(this.apps, caller, query.app);
    return this.bedolaga.list(app.id, query);
  }

  // Before ':id', so "stats" is not taken for a webhook id.
  @Get('stats')
  async stats(@Caller() caller: Principal, @Query() query: CompatAppQueryDto) {
    const app = await compatApp(this.apps, caller, query.app);
    return this.bedolaga.stats(app.id);
  }

  @Get(':id')
  async get(@Caller() caller: Principal, @Query() query: CompatAppQueryDto, @Param('id') id: string) {
    const app = await compatApp(this.apps, caller, query.app);
    return this.bedolaga.get(app.id, id);
  }

  @Patch(':id')
  async update(@Caller() caller: Principal, @Query() query: CompatAppQueryDto, @Param('id') id: string, @Body() dto: BedolagaUpdateDto) {
    const app = await compatApp(this.apps, caller, query.app);
    return this.bedolaga.update(app.id, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Caller() caller: Principal, @Query() query: CompatAppQueryDto, @Param('id') id: string): Promise<void> {
    const app = await compatApp(this.apps, caller, query.app);
    await this.bedolaga.delete(app.id, id);
  }

  @Get(':id/deliveries')
  async deliveries(@Caller() caller: Principal, @Query() query: BedolagaDeliveriesQueryDto, @Param('id') id: string) {
    const app = await compatApp(this.apps, caller, query.app);
    return this.bedolaga.deliveriesOf(app.id, id, query);
  }
}
