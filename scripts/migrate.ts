// `npm run migrate`: creates the database if missing, runs migrations, provisions streams.
// The Helm chart's migration Job and `npm start` run the same steps.
import 'reflect-metadata';
import { HeraldConfig, loadConfig } from '@herald/config';
import { Names } from '@herald/contracts';
import { connectNats, provisionStreams } from '@herald/messaging';
import { createDataSource, ensureDatabase, runMigrations } from '@herald/persistence';
import { jetstreamManager } from '@nats-io/jetstream';

/** Prepares PostgreSQL and JetStream for the apps; idempotent. */
export async function prepareInfrastructure(config: Pick<HeraldConfig, 'databaseUrl' | 'natsUrl' | 'natsNamespace'>, log = console.log): Promise<void> {
  if (await ensureDatabase(config.databaseUrl)) log(`created database ${new URL(config.databaseUrl).pathname.slice(1)}`);
  const dataSource = await createDataSource(config.databaseUrl, 2).initialize();
  try {
    const applied = await runMigrations(dataSource);
    log(applied.length ? `applied migrations: ${applied.join(', ')}` : 'database schema is up to date');
  } finally {
    await dataSource.destroy();
  }
  const nc = await connectNats(config.natsUrl, 'herald-migrate');
  try {
    await provisionStreams(await jetstreamManager(nc), new Names(config.natsNamespace));
    log('JetStream streams and consumers are provisioned');
  } finally {
    await nc.close();
  }
}

if (require.main === module) {
  prepareInfrastructure(loadConfig({ HERALD_ADMIN_TOKEN: 'x'.repeat(16), ...process.env })).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
