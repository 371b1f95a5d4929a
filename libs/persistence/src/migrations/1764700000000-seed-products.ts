import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the seed products need (issue 15): endpoint names, retry jitter, disabling on exhaustion,
 * an event-id header and the compatibility API that created an endpoint; event type examples.
 * The monitoring reads use the existing delivery and attempt indexes: no index is added to
 * those tables, so the delivery path writes no more per delivery or attempt.
 */
export class SeedProducts1764700000000 implements MigrationInterface {
  name = 'SeedProducts1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE endpoints
        ADD COLUMN name text,
        ADD COLUMN retry_jitter double precision NOT NULL DEFAULT 0.2,
        ADD COLUMN disable_on_exhaustion boolean NOT NULL DEFAULT false,
        ADD COLUMN id_header text,
        ADD COLUMN compat text`);
    await q.query(`CREATE INDEX endpoints_app_compat_idx ON endpoints (app_id, compat, id DESC) WHERE compat IS NOT NULL`);
    await q.query(`ALTER TABLE event_types ADD COLUMN example jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE event_types DROP COLUMN IF EXISTS example`);
    await q.query(`DROP INDEX IF EXISTS endpoints_app_compat_idx`);
    await q.query(`
      ALTER TABLE endpoints
        DROP COLUMN IF EXISTS compat,
        DROP COLUMN IF EXISTS id_header,
        DROP COLUMN IF EXISTS disable_on_exhaustion,
        DROP COLUMN IF EXISTS retry_jitter,
        DROP COLUMN IF EXISTS name`);
  }
}
