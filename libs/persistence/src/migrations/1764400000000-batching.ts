import { MigrationInterface, QueryRunner } from 'typeorm';

/** Endpoint batching settings, and the batch each delivery and attempt belongs to. */
export class Batching1764400000000 implements MigrationInterface {
  name = 'Batching1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE endpoints ADD COLUMN batch jsonb`);
    await q.query(`ALTER TABLE deliveries ADD COLUMN batch_id text`);
    await q.query(`ALTER TABLE attempts ADD COLUMN batch_id text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE attempts DROP COLUMN IF EXISTS batch_id`);
    await q.query(`ALTER TABLE deliveries DROP COLUMN IF EXISTS batch_id`);
    await q.query(`ALTER TABLE endpoints DROP COLUMN IF EXISTS batch`);
  }
}
