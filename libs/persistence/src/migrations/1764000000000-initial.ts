import { MigrationInterface, QueryRunner } from 'typeorm';

export class Initial1764000000000 implements MigrationInterface {
  name = 'Initial1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE apps (
        id text PRIMARY KEY,
        uid text UNIQUE,
        name text NOT NULL,
        metadata jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE endpoints (
        id text PRIMARY KEY,
        app_id text NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
        url text NOT NULL,
        description text NOT NULL DEFAULT '',
        event_types text[] NOT NULL,
        channels text[],
        disabled boolean NOT NULL DEFAULT false,
        disabled_reason text,
        secret text NOT NULL,
        headers jsonb NOT NULL DEFAULT '{}',
        metadata jsonb NOT NULL DEFAULT '{}',
        rate_limit integer,
        max_concurrency integer NOT NULL DEFAULT 16,
        timeout_ms integer NOT NULL DEFAULT 15000,
        retry_schedule integer[] NOT NULL,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX endpoints_app_idx ON endpoints (app_id, id DESC)`);
    await q.query(`
      CREATE TABLE deliveries (
        id text PRIMARY KEY,
        app_id text NOT NULL,
        event_id text NOT NULL,
        endpoint_id text NOT NULL,
        event_type text NOT NULL,
        status text NOT NULL,
        attempt_count integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX deliveries_app_idx ON deliveries (app_id, id DESC)`);
    await q.query(`CREATE INDEX deliveries_endpoint_idx ON deliveries (endpoint_id, id DESC)`);
    await q.query(`CREATE INDEX deliveries_event_idx ON deliveries (event_id)`);
    await q.query(`CREATE INDEX deliveries_due_idx ON deliveries (next_attempt_at) WHERE status = 'pending'`);
    await q.query(`
      CREATE TABLE attempts (
        id text PRIMARY KEY,
        delivery_id text NOT NULL,
        app_id text NOT NULL,
        attempt integer NOT NULL,
        started_at timestamptz NOT NULL,
        duration_ms integer NOT NULL,
        outcome text NOT NULL,
        response_status integer,
        response_body text,
        error text,
        request_headers jsonb NOT NULL DEFAULT '{}'
      )`);
    await q.query(`CREATE INDEX attempts_delivery_idx ON attempts (delivery_id, attempt)`);
    await q.query(`
      CREATE TABLE outbox (
        id bigserial PRIMARY KEY,
        subject text NOT NULL,
        msg_id text NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['outbox', 'attempts', 'deliveries', 'endpoints', 'apps']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
