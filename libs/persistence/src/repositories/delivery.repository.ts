import { Injectable } from '@nestjs/common';
import type { EventMessage } from '@herald/contracts';
import { And, DataSource, FindOptionsWhere, LessThan, MoreThanOrEqual } from 'typeorm';
import { AttemptEntity, DeliveryEntity, DeliveryStatus } from '../entities';
import { decodeCursor, Page, PageQuery, toPage } from '../pagination';

export interface DeliveryFilter {
  endpointId?: string;
  eventId?: string;
  status?: DeliveryStatus;
  eventType?: string;
  /** Created at or after. */
  since?: Date;
  /** Created before. */
  until?: Date;
}

/** A new delivery as the fan-out creates it. */
export interface NewDelivery {
  id: string;
  appId: string;
  eventId: string;
  endpointId: string;
  eventType: string;
}

/**
 * How long a claimed delivery may stay unpublished before the scheduler claims it again: it
 * covers a crash between claiming and publishing (short, so such a crash delays little; far
 * longer than a publish takes). Once published, markQueued() clears the time
 * (JetStream holds the message from then on), so a long backlog is never queued twice.
 */
export const QUEUE_LEASE_SECONDS = 30;
// Lease times are cut to milliseconds so markQueued() can compare them after a round trip.
const LEASE = `date_trunc('milliseconds', now() + make_interval(secs => ${QUEUE_LEASE_SECONDS}))`;

/** A delivery to (re)queue, with its event. */
export interface QueuedDelivery {
  id: string;
  /** The lease the claim set; markQueued() clears it only if nothing changed it since. */
  lease: Date;
  /** The batch it was last sent in (batching endpoints): it is retried with that batch. */
  batchId: string | null;
  appId: string;
  endpointId: string;
  /** The attempt the queued message asks for. */
  attempt: number;
  event: EventMessage;
}

/** The result of one attempt, as the delivery worker records it. */
export interface AttemptRecord {
  attemptId: string;
  deliveryId: string;
  appId: string;
  endpointId: string;
  startedAt: Date;
  durationMs: number;
  outcome: 'success' | 'failure';
  responseStatus: number | null;
  responseBody: string | null;
  error: string | null;
  requestHeaders: Record<string, string>;
  /** The request body as sent (its first 64 KiB), or null when none was sent. */
  requestBody?: string | null;
  /** The endpoint's seconds between attempts; decides whether a failure is retried. */
  retrySchedule: number[];
  /** A 429/503 Retry-After in seconds; the next attempt waits that long, within [step, 2 × step]. */
  retryAfterSeconds: number | null;
  /** The batch the delivery was sent in (batching endpoints), or null. */
  batchId?: string | null;
  /** The retry delay's jitter factor, 0.8–1.2; one per batch keeps a batch's retries together. */
  jitter?: number;
}

/** What recording an attempt did to its delivery. */
export interface RecordedAttempt {
  attempt: number;
  status: DeliveryStatus;
  nextAttemptAt: Date | null;
  /** Since when the endpoint has failed without a success in between (null if it just succeeded). */
  endpointFailingSince: Date | null;
}

/** Delivery statistics of one endpoint (API.md, endpoint stats). */
export interface EndpointStats {
  total: number;
  succeeded: number;
  failed: number;
  pending: number;
  successRate: number | null;
  latencyMs: { p50: number | null; p95: number | null; p99: number | null };
}

interface RecordedRow {
  id: string;
  attempt_count: number;
  status: DeliveryStatus;
  next_attempt_at: Date | null;
  failing_since: Date | null;
}

interface QueuedRow {
  id: string;
  next_attempt_at: Date;
  batch_id: string | null;
  app_id: string;
  endpoint_id: string;
  attempt: number;
  event_id: string;
  event_type: string;
  payload: Record<string, unknown>;
  channels: string[] | null;
  occurred_at: Date;
  event_created_at: Date;
}

function toQueued(row: QueuedRow): QueuedDelivery {
  return {
    id: row.id,
    lease: row.next_attempt_at,
    batchId: row.batch_id,
    appId: row.app_id,
    endpointId: row.endpoint_id,
    attempt: Number(row.attempt),
    event: {
      id: row.event_id,
      appId: row.app_id,
      eventType: row.event_type,
      payload: row.payload,
      channels: row.channels,
      occurredAt: row.occurred_at.toISOString(),
      createdAt: row.event_created_at.toISOString(),
    },
  };
}

// Selected from deliveries d joined with events e, for toQueued().
const QUEUED_COLUMNS = `d.id, d.next_attempt_at, d.batch_id, d.app_id, d.endpoint_id, d.attempt_count + 1 AS attempt, e.id AS event_id, e.event_type, e.payload,
  e.channels, e.occurred_at, e.created_at AS event_created_at`;

export type DeliveryWithAttempts = DeliveryEntity & { attempts: AttemptEntity[] };

/** Deliveries and their attempts: batched writes for the dispatcher, scoped reads for the API. */
@Injectable()
export class DeliveryRepository {
  constructor(private readonly dataSource: DataSource) {}

  async list(appId: string, filter: DeliveryFilter, page: PageQuery): Promise<Page<DeliveryEntity>> {
    const where: FindOptionsWhere<DeliveryEntity> = { appId };
    if (filter.endpointId !== undefined) where.endpointId = filter.endpointId;
    if (filter.eventId !== undefined) where.eventId = filter.eventId;
    if (filter.status !== undefined) where.status = filter.status;
    if (filter.eventType !== undefined) where.eventType = filter.eventType;
    if (filter.since && filter.until) where.createdAt = And(MoreThanOrEqual(filter.since), LessThan(filter.until));
    else if (filter.since) where.createdAt = MoreThanOrEqual(filter.since);
    else if (filter.until) where.createdAt = LessThan(filter.until);
    if (page.cursor) where.id = LessThan(decodeCursor(page.cursor));
    const rows = await this.dataSource.getRepository(DeliveryEntity).find({ where, order: { id: 'DESC' }, take: page.limit + 1 });
    return toPage(rows, page.limit);
  }

  async findWithAttempts(appId: string, id: string): Promise<DeliveryWithAttempts | null> {
    const delivery = await this.dataSource.getRepository(DeliveryEntity).findOneBy({ appId, id });
    if (!delivery) return null;
    const attempts = await this.dataSource
      .getRepository(AttemptEntity)
      .find({ where: { appId, deliveryId: id }, order: { attempt: 'ASC' } });
    return { ...delivery, attempts };
  }

  /**
   * Stores a batch of fanned-out events and their pending deliveries in one statement, each
   * delivery leased for `leaseSeconds` (none: the caller queues it on JetStream): the dispatcher
   * attempts it at once, in process, and if it dies first the RetryScheduler queues the delivery
   * when the lease ends. Rows that already exist (a fan-out re-run after a crash) are kept as
   * they are.
   */
  async insertFanout(events: EventMessage[], deliveries: NewDelivery[], leaseSeconds: number | null = null): Promise<void> {
    if (events.length === 0) return;
    await this.dataSource.query(
      `WITH new_events AS (
         INSERT INTO events (app_id, id, event_type, payload, channels, occurred_at, created_at)
         SELECT app_id, id, event_type, payload, CASE WHEN channels = '' THEN NULL ELSE string_to_array(channels, ',') END, occurred_at, created_at
         FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::text[], $6::timestamptz[], $7::timestamptz[])
           AS t(app_id, id, event_type, payload, channels, occurred_at, created_at)
         ON CONFLICT (app_id, id) DO NOTHING
       )
       INSERT INTO deliveries (id, app_id, event_id, endpoint_id, event_type, status, attempt_count, next_attempt_at, created_at, updated_at)
       SELECT id, app_id, event_id, endpoint_id, event_type, 'pending', 0, date_trunc('milliseconds', now() + make_interval(secs => $13::float8)), now(), now()
       FROM unnest($8::text[], $9::text[], $10::text[], $11::text[], $12::text[]) AS t(id, app_id, event_id, endpoint_id, event_type)
       ON CONFLICT (id) DO NOTHING`,
      [
        events.map((e) => e.appId),
        events.map((e) => e.id),
        events.map((e) => e.eventType),
        events.map((e) => JSON.stringify(e.payload)),
        events.map((e) => (e.channels ?? []).join(',')),
        events.map((e) => e.occurredAt),
        events.map((e) => e.createdAt),
        deliveries.map((d) => d.id),
        deliveries.map((d) => d.appId),
        deliveries.map((d) => d.eventId),
        deliveries.map((d) => d.endpointId),
        deliveries.map((d) => d.eventType),
        leaseSeconds,
      ],
    );
  }

  /**
   * Pushes the lease of first attempts still in hand another `leaseSeconds` ahead (see
   * insertFanout); rows already attempted, parked or settled are left alone.
   */
  async renewLeases(ids: string[], leaseSeconds: number): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query(
      `UPDATE deliveries SET next_attempt_at = date_trunc('milliseconds', now() + make_interval(secs => $2))
       WHERE id = ANY($1::text[]) AND status = 'pending' AND attempt_count = 0 AND next_attempt_at IS NOT NULL`,
      [ids, leaseSeconds],
    );
  }

  /**
   * Records a batch of attempts and their deliveries' new state in one statement. The attempt
   * number comes from the row, so a duplicate attempt after a crash is numbered correctly; a
   * failure is retried after retrySchedule[attempt - 1] seconds ±20 % (or Retry-After within
   * [step, 2 × step]) or, past the schedule, fails the delivery. A delivery that already
   * succeeded stays succeeded. Each endpoint's `failing_since` is set on its first failure and
   * cleared by a success.
   */
  async recordAttempts(records: AttemptRecord[]): Promise<Map<string, RecordedAttempt>> {
    if (records.length === 0) return new Map();
    const rows = await this.dataSource.query<RecordedRow[]>(
      `WITH input AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::int[], $7::text[], $8::int[], $9::text[], $10::text[], $11::jsonb[], $12::jsonb[], $13::float8[], $14::text[], $15::float8[], $16::text[])
           AS t(attempt_id, delivery_id, app_id, endpoint_id, started_at, duration_ms, outcome, response_status, response_body, error, request_headers, retry_schedule, retry_after, batch_id, jitter, request_body)
       ), next AS (
         SELECT i.delivery_id, i.batch_id, d.attempt_count + 1 AS attempt,
           CASE
             WHEN d.status = 'succeeded' OR i.outcome = 'success' THEN 'succeeded'
             WHEN i.retry_schedule ->> d.attempt_count IS NULL THEN 'failed'
             ELSE 'pending'
           END AS status,
           CASE
             WHEN i.retry_after IS NOT NULL
               THEN LEAST(GREATEST(i.retry_after, (i.retry_schedule ->> d.attempt_count)::float8), 2 * (i.retry_schedule ->> d.attempt_count)::float8)
             ELSE (i.retry_schedule ->> d.attempt_count)::float8 * COALESCE(i.jitter, 0.8 + random() * 0.4)
           END AS delay_seconds
         FROM input i JOIN deliveries d ON d.id = i.delivery_id
         FOR UPDATE OF d
       ), updated AS (
         UPDATE deliveries d SET
           status = n.status,
           attempt_count = n.attempt,
           batch_id = n.batch_id,
           next_attempt_at = CASE WHEN n.status = 'pending' THEN now() + make_interval(secs => n.delay_seconds) END,
           updated_at = now()
         FROM next n WHERE d.id = n.delivery_id
         RETURNING d.id, d.endpoint_id, d.attempt_count, d.status, d.next_attempt_at
       ), inserted AS (
         INSERT INTO attempts (id, delivery_id, app_id, endpoint_id, attempt, batch_id, started_at, duration_ms, outcome, response_status, response_body, error, request_headers, request_body)
         SELECT i.attempt_id, i.delivery_id, i.app_id, i.endpoint_id, u.attempt_count, i.batch_id, i.started_at, i.duration_ms, i.outcome, i.response_status, i.response_body, i.error, i.request_headers, i.request_body
         FROM input i JOIN updated u ON u.id = i.delivery_id
       ), health AS (
         UPDATE endpoints e SET failing_since = CASE WHEN h.any_success THEN NULL ELSE COALESCE(e.failing_since, h.first_failure) END
         FROM (SELECT endpoint_id, bool_or(outcome = 'success') AS any_success, min(started_at) AS first_failure FROM input GROUP BY endpoint_id) h
         WHERE e.id = h.endpoint_id
         RETURNING e.id, e.failing_since
       )
       SELECT u.id, u.attempt_count, u.status, u.next_attempt_at, h.failing_since
       FROM updated u LEFT JOIN health h ON h.id = u.endpoint_id`,
      [
        records.map((r) => r.attemptId),
        records.map((r) => r.deliveryId),
        records.map((r) => r.appId),
        records.map((r) => r.endpointId),
        records.map((r) => r.startedAt.toISOString()),
        records.map((r) => r.durationMs),
        records.map((r) => r.outcome),
        records.map((r) => r.responseStatus),
        records.map((r) => r.responseBody),
        records.map((r) => r.error),
        records.map((r) => JSON.stringify(r.requestHeaders)),
        records.map((r) => JSON.stringify(r.retrySchedule)),
        records.map((r) => r.retryAfterSeconds),
        records.map((r) => r.batchId ?? null),
        records.map((r) => r.jitter ?? null),
        records.map((r) => r.requestBody ?? null),
      ],
    );
    return new Map(
      rows.map((row) => [
        row.id,
        {
          attempt: Number(row.attempt_count),
          status: row.status,
          nextAttemptAt: row.next_attempt_at,
          endpointFailingSince: row.failing_since,
        },
      ]),
    );
  }

  /**
   * Claims pending deliveries whose time has come (retries and parked ones), pushing their
   * time a lease ahead, so any number of schedulers can run at once without sending twice.
   */
  async claimDue(limit: number): Promise<QueuedDelivery[]> {
    const rows = await this.dataSource.query<QueuedRow[]>(
      `WITH due AS (
         SELECT id, batch_id FROM deliveries
         WHERE status = 'pending' AND next_attempt_at <= now()
         ORDER BY next_attempt_at, batch_id
         LIMIT $1
         FOR UPDATE SKIP LOCKED
       ), siblings AS (
         -- the rest of any batch the limit cut in two, so a batch is always queued whole
         SELECT id FROM deliveries
         WHERE batch_id IN (SELECT batch_id FROM due WHERE batch_id IS NOT NULL)
           AND status = 'pending' AND next_attempt_at <= now() AND id NOT IN (SELECT id FROM due)
         FOR UPDATE SKIP LOCKED
       ), claimed AS (
         UPDATE deliveries d SET next_attempt_at = ${LEASE}, updated_at = now()
         WHERE d.id IN (SELECT id FROM due UNION ALL SELECT id FROM siblings)
         RETURNING d.*
       )
       SELECT ${QUEUED_COLUMNS} FROM claimed d JOIN events e ON e.app_id = d.app_id AND e.id = d.event_id`,
      [limit],
    );
    return rows.map(toQueued);
  }

  /**
   * Marks claimed deliveries as queued on JetStream (no next attempt time) unless something
   * recorded them meanwhile, which would have replaced the lease.
   */
  async markQueued(deliveries: QueuedDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    await this.dataSource.query(
      `UPDATE deliveries d SET next_attempt_at = NULL
       FROM unnest($1::text[], $2::timestamptz[]) AS t(id, lease)
       WHERE d.id = t.id AND d.status = 'pending' AND d.next_attempt_at = t.lease`,
      [deliveries.map((d) => d.id), deliveries.map((d) => d.lease.toISOString())],
    );
  }

  /** Puts deliveries aside until `until` without counting an attempt (circuit open, rate limit). */
  async park(ids: string[], until: Date[]): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query(
      `UPDATE deliveries d SET next_attempt_at = t.until, updated_at = now()
       FROM unnest($1::text[], $2::timestamptz[]) AS t(id, until)
       WHERE d.id = t.id AND d.status = 'pending'`,
      [ids, until.map((date) => date.toISOString())],
    );
  }

  /** Fails every pending delivery of an endpoint (it was disabled or answered 410). */
  async failPendingOfEndpoint(endpointId: string): Promise<number> {
    const rows = await this.dataSource.query<{ id: string }[]>(
      `UPDATE deliveries SET status = 'failed', next_attempt_at = NULL, updated_at = now() WHERE endpoint_id = $1 AND status = 'pending' RETURNING id`,
      [endpointId],
    );
    return rows.length;
  }

  /** Makes a delivery pending again for one more attempt now; returns it with its event. */
  async reopen(appId: string, id: string): Promise<QueuedDelivery | null> {
    const rows = await this.dataSource.query<QueuedRow[]>(
      `WITH reopened AS (
         UPDATE deliveries SET status = 'pending', next_attempt_at = ${LEASE}, updated_at = now()
         WHERE app_id = $1 AND id = $2
         RETURNING *
       )
       SELECT ${QUEUED_COLUMNS} FROM reopened d JOIN events e ON e.app_id = d.app_id AND e.id = d.event_id`,
      [appId, id],
    );
    return rows.length > 0 ? toQueued(rows[0]) : null;
  }

  /**
   * Makes an endpoint's deliveries of events created in [since, until) pending again (only the
   * failed ones unless `all`), at most `limit` of them; returns them with their events.
   */
  async reopenWindow(appId: string, endpointId: string, since: Date, until: Date, all: boolean, limit: number): Promise<QueuedDelivery[]> {
    const rows = await this.dataSource.query<QueuedRow[]>(
      `WITH chosen AS (
         SELECT d.id FROM deliveries d JOIN events e ON e.app_id = d.app_id AND e.id = d.event_id
         WHERE d.app_id = $1 AND d.endpoint_id = $2 AND e.created_at >= $3 AND e.created_at < $4 AND ($5 OR d.status = 'failed')
         ORDER BY d.id
         LIMIT $6
         FOR UPDATE OF d
       ), reopened AS (
         UPDATE deliveries d SET status = 'pending', next_attempt_at = ${LEASE}, updated_at = now()
         FROM chosen WHERE d.id = chosen.id
         RETURNING d.*
       )
       SELECT ${QUEUED_COLUMNS} FROM reopened d JOIN events e ON e.app_id = d.app_id AND e.id = d.event_id`,
      [appId, endpointId, since.toISOString(), until.toISOString(), all, limit],
    );
    return rows.map(toQueued);
  }

  /** Counts by status of the endpoint's deliveries created since `since`, and attempt latency percentiles. */
  async stats(appId: string, endpointId: string, since: Date): Promise<EndpointStats> {
    const [counts] = await this.dataSource.query<{ total: string; succeeded: string; failed: string; pending: string }[]>(
      `SELECT count(*) AS total,
              count(*) FILTER (WHERE status = 'succeeded') AS succeeded,
              count(*) FILTER (WHERE status = 'failed') AS failed,
              count(*) FILTER (WHERE status = 'pending') AS pending
       FROM deliveries WHERE app_id = $1 AND endpoint_id = $2 AND created_at >= $3`,
      [appId, endpointId, since.toISOString()],
    );
    const [latency] = await this.dataSource.query<{ p50: number | null; p95: number | null; p99: number | null }[]>(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) AS p50,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY duration_ms) AS p99
       FROM attempts WHERE app_id = $1 AND endpoint_id = $2 AND started_at >= $3`,
      [appId, endpointId, since.toISOString()],
    );
    const [total, succeeded, failed, pending] = [counts.total, counts.succeeded, counts.failed, counts.pending].map(Number);
    const settled = succeeded + failed;
    const round = (value: number | null) => (value === null ? null : Math.round(value));
    return {
      total,
      succeeded,
      failed,
      pending,
      successRate: settled > 0 ? succeeded / settled : null,
      latencyMs: { p50: round(latency.p50), p95: round(latency.p95), p99: round(latency.p99) },
    };
  }

  /** Fails deliveries that can no longer be attempted (endpoint deleted or disabled). */
  async failUndeliverable(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query(
      `UPDATE deliveries SET status = 'failed', next_attempt_at = NULL, updated_at = now() WHERE id = ANY($1::text[]) AND status = 'pending'`,
      [ids],
    );
  }
}
