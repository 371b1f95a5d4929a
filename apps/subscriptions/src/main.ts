// Tracing first, before anything it instruments is loaded.
import '@herald/telemetry/instrument';
import 'reflect-metadata';
import { loadConfig } from '@herald/config';
import { createHttpApp, listen } from '@herald/platform';
import { SubscriptionsModule } from './subscriptions.module';

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const app = await createHttpApp(SubscriptionsModule.register(config), config);
  await listen(app, 'subscriptions', config.ports.subscriptions);
}

void bootstrap().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
