// Tracing first, before anything it instruments is loaded.
import './instrument';
import 'reflect-metadata';
import { loadConfig } from '@herald/config';
import { listen } from '@herald/platform';
import { createSubscriptionsApp } from './subscriptions-app';

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const app = await createSubscriptionsApp(config);
  await listen(app, 'subscriptions', config.ports.subscriptions);
}

void bootstrap().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
