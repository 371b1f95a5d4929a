import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, HeraldConfig } from '@herald/config';
import { TelemetryModule } from '@herald/telemetry';
import { MessagingModule, NatsService } from '@herald/messaging';
import { PersistenceModule } from '@herald/persistence';
import {
  databaseReadiness,
  EndpointAnnouncer,
  natsReadiness,
  OperationalEvents,
  OutboxRelay,
  PlatformModule,
  readinessChecks,
  loggingModule,
} from '@herald/platform';
import { DataSource } from 'typeorm';
import { AttemptRecorder } from './delivery/attempt-recorder';
import { DeliveryWorker } from './delivery/delivery.worker';
import { WebhookHttpClient } from './delivery/webhook-http-client';
import { RelayClient } from './delivery/relay-client';
import { DispatcherMetricsReporter } from './delivery/dispatcher-metrics.reporter';
import { EndpointDisabler } from './delivery/endpoint-disabler';
import { RetryScheduler } from './delivery/retry-scheduler';
import { FanoutWorker } from './fanout/fanout.worker';
import { ConfigFeed } from './routing/config-feed.service';

/** Fan-out and delivery workers; serves only health routes over HTTP. */
@Module({})
export class DispatcherModule {
  static register(config: HeraldConfig): DynamicModule {
    return {
      module: DispatcherModule,
      imports: [
        ConfigModule.forRoot(config),
        TelemetryModule.forRoot('dispatcher'),
        loggingModule(config, 'dispatcher'),
        PersistenceModule.forRoot({ poolSize: 10 }),
        MessagingModule.forRoot('dispatcher'),
        PlatformModule,
      ],
      providers: [
        ConfigFeed,
        FanoutWorker,
        DeliveryWorker,
        WebhookHttpClient,
        RelayClient,
        AttemptRecorder,
        RetryScheduler,
        DispatcherMetricsReporter,
        EndpointDisabler,
        EndpointAnnouncer,
        OperationalEvents,
        OutboxRelay,
        readinessChecks(
          [NatsService, DataSource, ConfigFeed, FanoutWorker, DeliveryWorker],
          (nats: NatsService, dataSource: DataSource, feed: ConfigFeed, fanout: FanoutWorker, delivery: DeliveryWorker) => [
            natsReadiness(nats),
            databaseReadiness(dataSource),
            { name: 'endpoint-config', isReady: () => feed.isReady() },
            { name: 'fanout-consumer', isReady: () => fanout.isConsuming() },
            { name: 'delivery-consumer', isReady: () => delivery.isConsuming() },
          ],
        ),
      ],
      exports: [ConfigFeed],
    };
  }
}
