// Tracing first, before anything it instruments is loaded.
import './instrument';
import 'reflect-metadata';
import { loadConfig } from '@herald/config';
import { listen } from '@herald/platform';
import { createIngestApp } from './ingest-app';

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const app = await createIngestApp(config);
  await listen(app, 'ingest', config.ports.ingest);
}

void bootstrap().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
