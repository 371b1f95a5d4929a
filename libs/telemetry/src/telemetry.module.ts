import { DynamicModule, Global, Module } from '@nestjs/common';
import { HeraldMetrics } from './metrics';

/** The metrics registry of one app (served at /metrics by the platform module). */
@Global()
@Module({})
export class TelemetryModule {
  static forRoot(app: string): DynamicModule {
    return {
      module: TelemetryModule,
      providers: [{ provide: HeraldMetrics, useFactory: () => new HeraldMetrics(app) }],
      exports: [HeraldMetrics],
    };
  }
}
