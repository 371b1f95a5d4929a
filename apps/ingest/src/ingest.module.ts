import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, HeraldConfig } from '@herald/config';
import { GrpcServices } from '@herald/contracts';
import { TelemetryModule } from '@herald/telemetry';
import { MessagingModule, NatsService } from '@herald/messaging';
import { PersistenceModule } from '@herald/persistence';
import { databaseReadiness, grpcServer, natsReadiness, PlatformModule, readinessChecks, loggingModule } from '@herald/platform';
import { DataSource } from 'typeorm';
import { AppDirectory } from './apps/app-directory';
import { MAX_BATCH_BYTES } from './events/dto/publish-batch.dto';
import { EventsController } from './events/events.controller';
import { EventsGrpc } from './events/events.grpc';
import { EventsService } from './events/events.service';
import { EventTypeCatalog } from './events/event-type-catalog';
import { IngestRateLimiter } from './events/ingest-rate-limiter';
import { NatsIntake } from './intake/nats-intake.service';

/** Event intake over HTTP, gRPC and NATS: validates, then appends to HERALD_EVENTS. */
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
        ...grpcServer(
          {
            service: GrpcServices.ingest,
            host: config.host,
            port: config.ports.ingestGrpc,
            maxReceiveMessageBytes: Math.max(MAX_BATCH_BYTES, config.maxPayloadBytes + 4096),
          },
          [EventsGrpc],
        ),
        readinessChecks([NatsService, DataSource, NatsIntake], (nats: NatsService, dataSource: DataSource, intake: NatsIntake) => [
          natsReadiness(nats),
          databaseReadiness(dataSource),
          { name: 'intake-consumer', isReady: () => intake.isConsuming() },
        ]),
      ],
    };
  }
}
