import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * For the console and portal: the request body of each attempt as sent (first 64 KiB), portal
 * sessions as app tokens of their own kind (optionally read-only). (Event type examples came
 * with the seed products' migration.)
 */
export class Console1764800000000 implements MigrationInterface {
  name = 'Console1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE attempts ADD COLUMN request_body text`);
    await q.query(`ALTER TABLE app_tokens ADD COLUMN kind text NOT NULL DEFAULT 'token'`);
    await q.query(`ALTER TABLE app_tokens ADD COLUMN read_only boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE app_tokens DROP COLUMN read_only`);
    await q.query(`ALTER TABLE app_tokens DROP COLUMN kind`);
    await q.query(`ALTER TABLE attempts DROP COLUMN request_body`);
  }
}
