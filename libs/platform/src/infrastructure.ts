import { HeraldConfig } from '@herald/config';
import { Names } from '@herald/contracts';
import { connectNats, provisionStreams } from '@herald/messaging';
import { createDataSource, ensureDatabase, runMigrations } from '@herald/persistence';
import { jetstreamManager } from '@nats-io/jetstream';

/** Creates the database if missing, runs migrations and provisions streams and consumers; idempotent. */
export async function prepareInfrastructure(
  config: Pick<HeraldConfig, 'databaseUrl' | 'natsUrl' | 'natsNamespace' | 'ackWaitSeconds'>,
  log = console.log,
): Promise<void> {
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
    await provisionStreams(await jetstreamManager(nc), new Names(config.natsNamespace), config.ackWaitSeconds);
    log('JetStream streams and consumers are provisioned');
  } finally {
    await nc.close();
  }
}
