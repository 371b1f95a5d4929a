import { MigrationInterface, QueryRunner } from 'typeorm';

/** Events kept for retries, replays and tests; per-endpoint failure tracking; attempt stats. */
export class DeliveryEngine1764100000000 implements MigrationInterface {
  name = 'DeliveryEngine1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE events (
        app_id text NOT NULL,
        id text NOT NULL,
        event_type text NOT NULL,
        payload jsonb NOT NULL,
        channels text[],
        occurred_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (app_id, id)
      )`);
    await q.query(`CREATE INDEX events_app_created_idx ON events (app_id, created_at DESC)`);
    await q.query(`ALTER TABLE attempts ADD COLUMN endpoint_id text NOT NULL DEFAULT ''`);
    await q.query(`CREATE INDEX attempts_endpoint_idx ON attempts (endpoint_id, started_at DESC)`);
    await q.query(`ALTER TABLE endpoints ADD COLUMN failing_since timestamptz`);
    await q.query(`CREATE INDEX deliveries_endpoint_status_idx ON deliveries (endpoint_id, status)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS deliveries_endpoint_status_idx`);
    await q.query(`ALTER TABLE endpoints DROP COLUMN IF EXISTS failing_since`);
    await q.query(`DROP INDEX IF EXISTS attempts_endpoint_idx`);
    await q.query(`ALTER TABLE attempts DROP COLUMN IF EXISTS endpoint_id`);
    await q.query(`DROP TABLE IF EXISTS events`);
  }
}
