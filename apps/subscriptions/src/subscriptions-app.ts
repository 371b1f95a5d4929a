import { INestApplication } from '@nestjs/common';
import { HeraldConfig } from '@herald/config';
import { createHttpApp } from '@herald/platform';
import { SubscriptionsModule } from './subscriptions.module';

/** The management API app. */
export async function createSubscriptionsApp(config: HeraldConfig): Promise<INestApplication> {
  return createHttpApp(SubscriptionsModule.register(config), config);
}
