import { MigrationInterface, QueryRunner } from 'typeorm';

/** The fingerprint of the HERALD_ENCRYPTION_KEY this database's secrets are sealed with. */
export class KeyCheck1764600000000 implements MigrationInterface {
  name = 'KeyCheck1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE key_checks (
        name text PRIMARY KEY,
        fingerprint text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS key_checks`);
  }
}
