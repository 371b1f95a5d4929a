import { INestApplication } from '@nestjs/common';
import { HeraldConfig } from '@herald/config';
import { createHttpApp, createOpenApiDocument, serveOpenApi } from '@herald/platform';
import { IngestModule } from './ingest.module';
import { INGEST_API } from './openapi';

/** A batch carries up to 500 events, each within HERALD_MAX_PAYLOAD_BYTES (checked one by one). */
const BATCH_BODY_LIMIT_BYTES = 16 * 1024 * 1024;

/** The ingest app: single events within the payload limit, batches within 16 MiB. */
export async function createIngestApp(config: HeraldConfig): Promise<INestApplication> {
  const app = await createHttpApp(IngestModule.register(config), config, config.maxPayloadBytes + 4096, {
    path: /^\/v1\/apps\/[^/]+\/events\/batch$/,
    limitBytes: Math.max(BATCH_BODY_LIMIT_BYTES, config.maxPayloadBytes + 4096),
  });
  serveOpenApi(app, createOpenApiDocument(app, INGEST_API));
  return app;
}
