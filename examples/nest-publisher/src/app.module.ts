import { Module } from '@nestjs/common';
import { HeraldModule } from '@herald/sdk';
import { SignupsController } from './signups.controller';
import { SignupsService } from './signups.service';

/** Configuration the service reads; a real one would validate it (or use @nestjs/config). */
export const SETTINGS = 'SETTINGS';
const settings = {
  provide: SETTINGS,
  // Read when the application starts, not when this file is loaded.
  useFactory: () => ({ natsUrl: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', namespace: process.env.HERALD_NATS_NAMESPACE }),
};

@Module({ providers: [settings], exports: [settings] })
class SettingsModule {}

@Module({
  imports: [
    // Over NATS intake: resolved once JetStream stored the event, retried with backoff meanwhile.
    HeraldModule.forRootAsync({
      imports: [SettingsModule],
      inject: [SETTINGS],
      useFactory: (config: { natsUrl: string; namespace?: string }) => ({
        transport: 'nats',
        natsUrl: config.natsUrl,
        namespace: config.namespace,
      }),
    }),
  ],
  controllers: [SignupsController],
  providers: [SignupsService],
})
export class AppModule {}
