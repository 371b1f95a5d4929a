import { Client } from 'pg';

/** The database's secrets were sealed under another HERALD_ENCRYPTION_KEY than this process's. */
export class EncryptionKeyMismatchError extends Error {
  constructor(
    readonly database: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(
      `the data in database "${database}" was sealed with a different HERALD_ENCRYPTION_KEY ` +
        `(expected key fingerprint ${expected}, this key's is ${actual}). Either set HERALD_ENCRYPTION_KEY ` +
        `to the original key (npm start keeps it in .herald/encryption-key), or run \`npm start -- --reset\`, ` +
        `which deletes database "${database}" and the namespace's NATS streams and starts afresh.`,
    );
    this.name = 'EncryptionKeyMismatchError';
  }
}

/**
 * Records the key's fingerprint if the database has none yet, else checks it is the same one:
 * a process with another key stops here with EncryptionKeyMismatchError instead of failing to
 * open every secret later. Needs the schema migrated.
 */
export async function verifyKeyFingerprint(databaseUrl: string, fingerprint: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(`INSERT INTO key_checks (name, fingerprint) VALUES ('encryption-key', $1) ON CONFLICT (name) DO NOTHING`, [
      fingerprint,
    ]);
    const { rows } = await client.query<{ fingerprint: string; database: string }>(
      `SELECT fingerprint, current_database() AS database FROM key_checks WHERE name = 'encryption-key'`,
    );
    if (rows[0].fingerprint !== fingerprint) throw new EncryptionKeyMismatchError(rows[0].database, rows[0].fingerprint, fingerprint);
  } finally {
    await client.end();
  }
}
