import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, HeraldConfig } from '@herald/config';
import { GrpcServices } from '@herald/contracts';
import { TelemetryModule } from '@herald/telemetry';
import { MessagingModule, NatsService } from '@herald/messaging';
import { PersistenceModule } from '@herald/persistence';
import {
  databaseReadiness,
  grpcServer,
  natsReadiness,
  OperationalEvents,
  PlatformModule,
  readinessChecks,
  loggingModule,
} from '@herald/platform';
import { DataSource } from 'typeorm';
import { AppsController } from './apps/apps.controller';
import { AppsGrpc } from './apps/apps.grpc';
import { AppsService } from './apps/apps.service';
import { DeliveriesController } from './deliveries/deliveries.controller';
import { StatsController } from './deliveries/stats.controller';
import { BedolagaController } from './compat/bedolaga.controller';
import { BedolagaService } from './compat/bedolaga.service';
import { VideoCloudController } from './compat/videocloud.controller';
import { VideoCloudService } from './compat/videocloud.service';
import { DeliveriesGrpc } from './deliveries/deliveries.grpc';
import { DeliveryOperationsService } from './deliveries/delivery-operations.service';
import { EndpointAnnouncer } from '@herald/platform';
import { EndpointsController } from './endpoints/endpoints.controller';
import { EndpointsGrpc } from './endpoints/endpoints.grpc';
import { EndpointsService } from './endpoints/endpoints.service';
import { LegacySecretSealer } from './endpoints/legacy-secret-sealer';
import { OutboxRelay } from '@herald/platform';
import { TokensController } from './tokens/tokens.controller';
import { EventTypesController } from './event-types/event-types.controller';
import { EventsController } from './events/events.controller';
import { PortalSessionsController } from './portal/portal-sessions.controller';
import { SessionController } from './portal/session.controller';

/** The management API (REST and gRPC): apps, endpoints, and reads of deliveries. */
@Module({})
export class SubscriptionsModule {
  static register(config: HeraldConfig): DynamicModule {
    return {
      module: SubscriptionsModule,
      imports: [
        ConfigModule.forRoot(config),
        TelemetryModule.forRoot('subscriptions'),
        loggingModule(config, 'subscriptions'),
        PersistenceModule.forRoot(),
        MessagingModule.forRoot('subscriptions'),
        PlatformModule,
      ],
      controllers: [
        AppsController,
        TokensController,
        EventTypesController,
        EndpointsController,
        EventsController,
        DeliveriesController,
        StatsController,
        VideoCloudController,
        BedolagaController,
        PortalSessionsController,
        SessionController,
      ],
      providers: [
        AppsService,
        EndpointsService,
        LegacySecretSealer,
        DeliveryOperationsService,
        VideoCloudService,
        BedolagaService,
        EndpointAnnouncer,
        OperationalEvents,
        OutboxRelay,
        ...grpcServer({ service: GrpcServices.subscriptions, host: config.host, port: config.ports.subscriptionsGrpc }, [
          AppsGrpc,
          EndpointsGrpc,
          DeliveriesGrpc,
        ]),
        readinessChecks([NatsService, DataSource], (nats: NatsService, dataSource: DataSource) => [
          natsReadiness(nats),
          databaseReadiness(dataSource),
        ]),
      ],
    };
  }
}
