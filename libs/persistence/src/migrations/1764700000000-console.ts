import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * For the console and portal: the request body of each attempt as sent (first 64 KiB), portal
 * sessions as app tokens of their own kind (optionally read-only), an example payload per event
 * type.
 */
export class Console1764700000000 implements MigrationInterface {
  name = 'Console1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE attempts ADD COLUMN request_body text`);
    await q.query(`ALTER TABLE app_tokens ADD COLUMN kind text NOT NULL DEFAULT 'token'`);
    await q.query(`ALTER TABLE app_tokens ADD COLUMN read_only boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE event_types ADD COLUMN example jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE event_types DROP COLUMN example`);
    await q.query(`ALTER TABLE app_tokens DROP COLUMN read_only`);
    await q.query(`ALTER TABLE app_tokens DROP COLUMN kind`);
    await q.query(`ALTER TABLE attempts DROP COLUMN request_body`);
  }
}
