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
        readinessChecks([NatsService, DataSource], (nats: NatsService, dataSource: DataSource) => [
          natsReadiness(nats),
          databaseReadiness(dataSource),
        ]),
      ],
    };
  }
}
