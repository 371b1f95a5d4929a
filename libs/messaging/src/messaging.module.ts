import { DynamicModule, Global, Module } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { DeliveryPublisher } from './delivery-publisher';
import { createNatsService, NatsService } from './nats.service';

/** The NATS/JetStream connection of one app. */
@Global()
@Module({})
export class MessagingModule {
  static forRoot(appName: string): DynamicModule {
    return {
      module: MessagingModule,
      providers: [
        { provide: NatsService, inject: [HERALD_CONFIG], useFactory: (config: HeraldConfig) => createNatsService(config, appName) },
        DeliveryPublisher,
      ],
      exports: [NatsService, DeliveryPublisher],
    };
  }
}
