import { INestApplication } from '@nestjs/common';
import { HeraldConfig } from '@herald/config';
import { createHttpApp, createOpenApiDocument, serveOpenApi } from '@herald/platform';
import { MAX_BATCH_BYTES } from './events/dto/publish-batch.dto';
import { PublishRoute } from './events/publish-route';
import { IngestModule } from './ingest.module';
import { INGEST_API } from './openapi';

/** The ingest app: single events within the payload limit, batches within 16 MiB. */
export async function createIngestApp(config: HeraldConfig): Promise<INestApplication> {
  const bodyLimitBytes = config.maxPayloadBytes + 4096;
  const app = await createHttpApp(IngestModule.register(config), config, bodyLimitBytes, {
    path: /^\/v1\/apps\/[^/]+\/events\/batch$/,
    limitBytes: Math.max(MAX_BATCH_BYTES, config.maxPayloadBytes + 4096),
  });
  serveOpenApi(app, createOpenApiDocument(app, INGEST_API));
  PublishRoute.attach(app, bodyLimitBytes);
  return app;
}
