import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, HeraldConfig } from '@herald/config';
import { TelemetryModule } from '@herald/telemetry';
import { MessagingModule, NatsService } from '@herald/messaging';
import { PersistenceModule } from '@herald/persistence';
import { databaseReadiness, natsReadiness, PlatformModule, readinessChecks, loggingModule } from '@herald/platform';
import { DataSource } from 'typeorm';
import { AppDirectory } from './apps/app-directory';
import { EventsController } from './events/events.controller';
import { EventsService } from './events/events.service';
import { EventTypeCatalog } from './events/event-type-catalog';
import { IngestRateLimiter } from './events/ingest-rate-limiter';
import { NatsIntake } from './intake/nats-intake.service';

/** Event intake: validates, then appends to HERALD_EVENTS. */
@Module({})
export class IngestModule {
  static register(config: HeraldConfig): DynamicModule {
    return {
      module: IngestModule,
      imports: [
        ConfigModule.forRoot(config),
        TelemetryModule.forRoot('ingest'),
        loggingModule(config, 'ingest'),
        PersistenceModule.forRoot({ poolSize: 5 }),
        MessagingModule.forRoot('ingest'),
        PlatformModule,
      ],
      controllers: [EventsController],
      providers: [
        AppDirectory,
        EventsService,
        EventTypeCatalog,
        IngestRateLimiter,
        NatsIntake,
        readinessChecks([NatsService, DataSource, NatsIntake], (nats: NatsService, dataSource: DataSource, intake: NatsIntake) => [
          natsReadiness(nats),
          databaseReadiness(dataSource),
          { name: 'intake-consumer', isReady: () => intake.isConsuming() },
        ]),
      ],
    };
  }
}
