// Tracing first, before anything it instruments is loaded.
import './instrument';
import 'reflect-metadata';
import { loadConfig } from '@herald/config';
import { createHttpApp, listen } from '@herald/platform';
import { DispatcherModule } from './dispatcher.module';

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const app = await createHttpApp(DispatcherModule.register(config), config);
  await listen(app, 'dispatcher', config.ports.dispatcher);
}

void bootstrap().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
