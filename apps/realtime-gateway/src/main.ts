// Tracing first, before anything it instruments is loaded.
import './instrument';
import 'reflect-metadata';
import { loadConfig } from '@herald/config';
import { listen } from '@herald/platform';
import { createGatewayApp } from './gateway-app';

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const app = await createGatewayApp(config);
  await listen(app, 'realtime-gateway', config.ports.gateway);
}

void bootstrap().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
