import { MigrationInterface, QueryRunner } from 'typeorm';

/** App tokens, event types and the responses kept for `Idempotency-Key` repeats. */
export class Management1764500000000 implements MigrationInterface {
  name = 'Management1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE app_tokens (
        id text PRIMARY KEY,
        app_id text NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
        token_hash text NOT NULL UNIQUE,
        description text NOT NULL DEFAULT '',
        expires_at timestamptz,
        created_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX app_tokens_app_idx ON app_tokens (app_id, id DESC)`);
    await q.query(`
      CREATE TABLE event_types (
        name text PRIMARY KEY,
        description text NOT NULL DEFAULT '',
        schema jsonb,
        deprecated boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE idempotency_keys (
        scope text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        status integer,
        body jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scope, key)
      )`);
    await q.query(`CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at)`);
    await q.query(`CREATE INDEX events_app_type_idx ON events (app_id, event_type, created_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS events_app_type_idx`);
    for (const table of ['idempotency_keys', 'event_types', 'app_tokens']) await q.query(`DROP TABLE IF EXISTS ${table}`);
  }
}
