import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, HeraldConfig } from '@herald/config';
import { TelemetryModule } from '@herald/telemetry';
import { MessagingModule, NatsService } from '@herald/messaging';
import { databaseReadiness, natsReadiness, PlatformModule, readinessChecks, loggingModule } from '@herald/platform';
import { PersistenceModule } from '@herald/persistence';
import { DataSource } from 'typeorm';
import { FeedGateway } from './feed/feed.gateway';
import { FeedService } from './feed/feed.service';
import { RelayHub } from './relay/relay.hub';

/** The WebSocket feed of events and delivery outcomes. */
@Module({})
export class GatewayModule {
  static register(config: HeraldConfig): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        ConfigModule.forRoot(config),
        TelemetryModule.forRoot('realtime-gateway'),
        loggingModule(config, 'realtime-gateway'),
        PersistenceModule.forRoot({ poolSize: 2 }),
        MessagingModule.forRoot('realtime-gateway'),
        PlatformModule,
      ],
      providers: [
        FeedService,
        FeedGateway,
        RelayHub,
        readinessChecks([NatsService, DataSource], (nats: NatsService, dataSource: DataSource) => [
          natsReadiness(nats),
          databaseReadiness(dataSource),
        ]),
      ],
    };
  }
}
