import { HeraldConfig, SecretBox } from '@herald/config';
import { Names } from '@herald/contracts';
import { connectNats, provisionStreams } from '@herald/messaging';
import { createDataSource, ensureDatabase, runMigrations, verifyKeyFingerprint } from '@herald/persistence';
import { jetstreamManager } from '@nats-io/jetstream';

/**
 * Creates the database if missing, runs migrations, records or checks the encryption key's
 * fingerprint (when a key is given; throws EncryptionKeyMismatchError) and provisions streams
 * and consumers; idempotent.
 */
export async function prepareInfrastructure(
  config: Pick<HeraldConfig, 'databaseUrl' | 'natsUrl' | 'natsNamespace' | 'ackWaitSeconds'> & { encryptionKey?: string },
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
  if (config.encryptionKey) await verifyKeyFingerprint(config.databaseUrl, new SecretBox(config.encryptionKey).fingerprint());
  const nc = await connectNats(config.natsUrl, 'herald-migrate');
  try {
    await provisionStreams(await jetstreamManager(nc), new Names(config.natsNamespace), config.ackWaitSeconds);
    log('JetStream streams and consumers are provisioned');
  } finally {
    await nc.close();
  }
}
