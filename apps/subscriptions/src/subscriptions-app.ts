import { INestApplication } from '@nestjs/common';
import { HeraldConfig } from '@herald/config';
import { createHttpApp, serveOpenApi } from '@herald/platform';
import { serveConsole } from './console/console-static';
import { ingestApiDocument, restApiDocument } from './openapi';
import { SubscriptionsModule } from './subscriptions.module';

/** The management API app, with the console at /console. */
export async function createSubscriptionsApp(config: HeraldConfig): Promise<INestApplication> {
  // Before the app: the ingest part is built in preview mode, which mutes Nest's logger until the app installs its own.
  const ingestApi = await ingestApiDocument(config);
  const app = await createHttpApp(SubscriptionsModule.register(config), config);
  serveOpenApi(app, restApiDocument(app, ingestApi, config));
  serveConsole(app, config);
  return app;
}
