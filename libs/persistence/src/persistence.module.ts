import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { DataSource } from 'typeorm';
import { createDataSource } from './data-source';
import { AppRepository } from './repositories/app.repository';
import { DeliveryRepository } from './repositories/delivery.repository';
import { EndpointRepository } from './repositories/endpoint.repository';
import { OutboxRepository } from './repositories/outbox.repository';
import { AppTokenRepository } from './repositories/app-token.repository';
import { EventTypeRepository } from './repositories/event-type.repository';
import { EventRepository } from './repositories/event.repository';
import { IdempotencyRepository } from './repositories/idempotency.repository';
import { DeliveryStatsRepository } from './repositories/delivery-stats.repository';

const REPOSITORIES = [
  AppRepository,
  AppTokenRepository,
  EndpointRepository,
  EventRepository,
  EventTypeRepository,
  DeliveryRepository,
  DeliveryStatsRepository,
  IdempotencyRepository,
  OutboxRepository,
];

/** The PostgreSQL connection and Herald's repositories. */
@Global()
@Module({})
export class PersistenceModule implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  static forRoot(options: { poolSize?: number } = {}): DynamicModule {
    return {
      module: PersistenceModule,
      providers: [
        {
          provide: DataSource,
          inject: [HERALD_CONFIG],
          useFactory: (config: HeraldConfig) => createDataSource(config.databaseUrl, options.poolSize).initialize(),
        },
        ...REPOSITORIES,
      ],
      exports: [DataSource, ...REPOSITORIES],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
