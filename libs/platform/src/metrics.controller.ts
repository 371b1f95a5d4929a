import { Controller, Get, Header } from '@nestjs/common';
import { HeraldMetrics } from '@herald/telemetry';
import { Public } from './auth.guard';

/** Prometheus text of this process's metrics; public like the health routes, for scrapers. */
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: HeraldMetrics) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.scrape();
  }
}
