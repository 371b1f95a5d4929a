import { MigrationInterface, QueryRunner } from 'typeorm';

/** Endpoint type (webhook, discord, slack), signature scheme and body format. */
export class EndpointFormats1764200000000 implements MigrationInterface {
  name = 'EndpointFormats1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE endpoints ADD COLUMN type text NOT NULL DEFAULT 'webhook'`);
    await q.query(`ALTER TABLE endpoints ADD COLUMN signature jsonb NOT NULL DEFAULT '{"scheme":"standard"}'`);
    await q.query(`ALTER TABLE endpoints ADD COLUMN body jsonb NOT NULL DEFAULT '{"envelope":"standard"}'`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const column of ['body', 'signature', 'type']) await q.query(`ALTER TABLE endpoints DROP COLUMN IF EXISTS ${column}`);
  }
}
