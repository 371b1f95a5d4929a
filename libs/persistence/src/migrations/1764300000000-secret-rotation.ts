import { MigrationInterface, QueryRunner } from 'typeorm';

/** Secrets still signing during a rotation's grace period: [{secret, expiresAt}]. */
export class SecretRotation1764300000000 implements MigrationInterface {
  name = 'SecretRotation1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE endpoints ADD COLUMN previous_secrets jsonb NOT NULL DEFAULT '[]'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE endpoints DROP COLUMN IF EXISTS previous_secrets`);
  }
}
