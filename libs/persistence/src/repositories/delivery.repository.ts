import { Injectable } from '@nestjs/common';
import { idFloor, IdPrefix, type EventMessage } from '@herald/contracts';
import { DataSource } from 'typeorm';
import { AttemptEntity, DeliveryEntity, DeliveryStatus } from '../entities';
import { decodeCursor, Page, PageQuery, toPage } from '../pagination';
import { preparedQuery } from '../prepared';

export interface DeliveryFilter {
  endpointId?: string;
  eventId?: string;
  status?: DeliveryStatus;
  eventType?: string;
  /** Deliveries created at or after this time… */
  since?: Date;
  /** …and before this one. */
  until?: Date;
}

/** A delivery's latest attempt, as list items show it. */
export interface LastAttempt {
  at: Date;
  responseStatus: number | null;
  error: string | null;
  durationMs: number;
}

/** A delivery in a list: the row and its latest attempt (null before the first). */
export type DeliveryListItem = DeliveryEntity & { lastAttempt: LastAttempt | null };

/** Delivery statistics of an app: its totals and each endpoint's (API.md v1.1, app stats). */
export interface AppStats extends EndpointStats {
  endpoints: (EndpointStats & { endpointId: string })[];
}

/** A new delivery as the fan-out creates it. */
export interface NewDelivery {
  id: string;
  appId: string;
  eventId: string;
  endpointId: string;
  eventType: string;
  /** Its first attempt when that succeeded before the row was written: both are written at once. */
  firstAttempt?: AttemptRecord | null;
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

interface CountRow {
  endpoint_id: string | null;
  total: string;
  succeeded: string;
  failed: string;
  pending: string;
}

interface LatencyRow {
  endpoint_id: string | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

function toStats(counts: CountRow | undefined, latency: LatencyRow | undefined): EndpointStats {
  const [total, succeeded, failed, pending] = [counts?.total, counts?.succeeded, counts?.failed, counts?.pending].map((v) =>
    Number(v ?? 0),
  );
  const settled = succeeded + failed;
  const round = (value: number | null | undefined) => (value === null || value === undefined ? null : Math.round(value));
  return {
    total,
    succeeded,
    failed,
    pending,
    successRate: settled > 0 ? succeeded / settled : null,
    latencyMs: { p50: round(latency?.p50), p95: round(latency?.p95), p99: round(latency?.p99) },
  };
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

  /** Newest first, by cursor or (compatibility APIs) by `offset`; each with its latest attempt. */
  async list(appId: string, filter: DeliveryFilter, page: PageQuery & { offset?: number }): Promise<Page<DeliveryListItem>> {
    const query = this.dataSource.getRepository(DeliveryEntity).createQueryBuilder('d').where('d.app_id = :appId', { appId });
    if (filter.endpointId !== undefined) query.andWhere('d.endpoint_id = :endpointId', { endpointId: filter.endpointId });
    if (filter.eventId !== undefined) query.andWhere('d.event_id = :eventId', { eventId: filter.eventId });
    if (filter.status !== undefined) query.andWhere('d.status = :status', { status: filter.status });
    if (filter.eventType !== undefined) query.andWhere('d.event_type = :eventType', { eventType: filter.eventType });
    // Ids sort by their event's time, which is at most the delivery's creation (a day of slack
    // covers a fan-out backlog): the id bounds let the (app_id, id) index narrow the window.
    if (filter.since !== undefined) {
      query.andWhere('d.created_at >= :since AND d.id >= :sinceId', {
        since: filter.since,
        sinceId: idFloor(IdPrefix.delivery, filter.since.getTime() - 24 * 3600_000),
      });
    }
    if (filter.until !== undefined) {
      query.andWhere('d.created_at < :until AND d.id < :untilId', {
        until: filter.until,
        untilId: idFloor(IdPrefix.delivery, filter.until.getTime()),
      });
    }
    const counting = page.withTotal ? query.clone() : null;
    if (page.cursor) query.andWhere('d.id < :cursor', { cursor: decodeCursor(page.cursor) });
    query.orderBy('d.id', 'DESC').take(page.limit + 1);
    if (page.offset) query.skip(page.offset);
    const result = toPage(await query.getMany(), page.limit);
    const last = await this.lastAttempts(
      appId,
      result.data.map((d) => d.id),
    );
    const data = result.data.map((d) => ({ ...d, lastAttempt: last.get(d.id) ?? null }));
    return { data, nextCursor: result.nextCursor, ...(counting ? { total: await counting.getCount() } : {}) };
  }

  /** The latest attempt of each of these deliveries (by the attempts' delivery index). */
  private async lastAttempts(appId: string, ids: string[]): Promise<Map<string, LastAttempt>> {
    if (ids.length === 0) return new Map();
    const rows = await this.dataSource.query<
      { delivery_id: string; started_at: Date; response_status: number | null; error: string | null; duration_ms: number }[]
    >(
      `SELECT DISTINCT ON (delivery_id) delivery_id, started_at, response_status, error, duration_ms
       FROM attempts WHERE delivery_id = ANY($2::text[]) AND app_id = $1
       ORDER BY delivery_id, attempt DESC`,
      [appId, ids],
    );
    return new Map(
      rows.map((row) => [
        row.delivery_id,
        { at: row.started_at, responseStatus: row.response_status, error: row.error, durationMs: row.duration_ms },
      ]),
    );
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
   * Stores a batch of fanned-out events and their deliveries in one statement. A delivery
   * whose first attempt succeeded already (`firstAttempt`) is written once, succeeded, with
   * that attempt; the others are pending, leased for `leaseSeconds` (none: the caller queues
   * them on JetStream): the dispatcher attempts them at once, in process, and if it dies first
   * the RetryScheduler queues them when the lease ends. Rows that already exist (a fan-out
   * re-run after a crash) are kept as they are. Returns the ids written with their attempt; the
   * caller records the others' attempts with recordAttempts.
   */
  async insertFanout(events: EventMessage[], deliveries: NewDelivery[], leaseSeconds: number | null = null): Promise<Set<string>> {
    if (events.length === 0) return new Set();
    // Rows go as two JSON documents: one JSON.stringify (native) instead of pg escaping every
    // element of a dozen arrays, the payloads and bodies among them.
    const rows = await preparedQuery<{ id: string }>(
      this.dataSource,
      'herald_insert_fanout',
      `WITH new_events AS (
         INSERT INTO events (app_id, id, event_type, payload, channels, occurred_at, created_at)
         SELECT app_id, id, event_type, payload, channels, occurred_at, created_at
         FROM jsonb_to_recordset($1::jsonb)
           AS t(app_id text, id text, event_type text, payload jsonb, channels text[], occurred_at timestamptz, created_at timestamptz)
         ON CONFLICT (app_id, id) DO NOTHING
       ), input AS (
         SELECT * FROM jsonb_to_recordset($2::jsonb)
           AS t(id text, app_id text, event_id text, endpoint_id text, event_type text, attempt_id text, started_at timestamptz,
                duration_ms int, response_status int, response_body text, request_headers jsonb, request_body text)
       ), new_deliveries AS (
         INSERT INTO deliveries (id, app_id, event_id, endpoint_id, event_type, status, attempt_count, next_attempt_at, created_at, updated_at)
         SELECT id, app_id, event_id, endpoint_id, event_type,
           CASE WHEN attempt_id IS NULL THEN 'pending' ELSE 'succeeded' END,
           CASE WHEN attempt_id IS NULL THEN 0 ELSE 1 END,
           CASE WHEN attempt_id IS NULL THEN date_trunc('milliseconds', now() + make_interval(secs => $3::float8)) END,
           now(), now()
         FROM input
         ON CONFLICT (id) DO NOTHING
         RETURNING id, endpoint_id, attempt_count
       ), new_attempts AS (
         INSERT INTO attempts (id, delivery_id, app_id, endpoint_id, attempt, started_at, duration_ms, outcome, response_status, response_body, request_headers, request_body)
         SELECT i.attempt_id, i.id, i.app_id, n.endpoint_id, 1, i.started_at, i.duration_ms, 'success', i.response_status, i.response_body, i.request_headers, i.request_body
         FROM input i JOIN new_deliveries n ON n.id = i.id AND n.attempt_count = 1
       ), recovered AS (
         UPDATE endpoints SET failing_since = NULL
         WHERE id IN (SELECT endpoint_id FROM new_deliveries WHERE attempt_count = 1) AND failing_since IS NOT NULL
       )
       SELECT id FROM new_deliveries WHERE attempt_count = 1`,
      [
        JSON.stringify(
          events.map((e) => ({
            app_id: e.appId,
            id: e.id,
            event_type: e.eventType,
            payload: e.payload,
            channels: e.channels && e.channels.length > 0 ? e.channels : null,
            occurred_at: e.occurredAt,
            created_at: e.createdAt,
          })),
        ),
        JSON.stringify(
          deliveries.map((d) => {
            const attempt = d.firstAttempt;
            return {
              id: d.id,
              app_id: d.appId,
              event_id: d.eventId,
              endpoint_id: d.endpointId,
              event_type: d.eventType,
              ...(attempt
                ? {
                    attempt_id: attempt.attemptId,
                    started_at: attempt.startedAt,
                    duration_ms: attempt.durationMs,
                    response_status: attempt.responseStatus,
                    response_body: attempt.responseBody,
                    request_headers: attempt.requestHeaders,
                    request_body: attempt.requestBody ?? null,
                  }
                : {}),
            };
          }),
        ),
        leaseSeconds,
      ],
    );
    return new Set(rows.map((row) => row.id));
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
           -- Only a change is written: most batches leave it as it was (an endpoint row is wide, and a fan-out touches many).
           AND e.failing_since IS DISTINCT FROM (CASE WHEN h.any_success THEN NULL ELSE COALESCE(e.failing_since, h.first_failure) END)
         RETURNING e.id, e.failing_since
       )
       SELECT u.id, u.attempt_count, u.status, u.next_attempt_at,
         CASE WHEN h.id IS NOT NULL THEN h.failing_since ELSE e.failing_since END AS failing_since
       FROM updated u LEFT JOIN health h ON h.id = u.endpoint_id LEFT JOIN endpoints e ON e.id = u.endpoint_id`,
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
    // TypeORM answers an UPDATE with [rows, rowCount].
    const [, count] = await this.dataSource.query<[unknown[], number]>(
      `UPDATE deliveries SET status = 'failed', next_attempt_at = NULL, updated_at = now() WHERE endpoint_id = $1 AND status = 'pending'`,
      [endpointId],
    );
    return count;
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

  /**
   * The app's delivery counts (created since `since`) and attempt latency percentiles, in all
   * and per endpoint, in two grouped statements on the existing indexes: deliveries by
   * `(app_id, id)` (ids sort by their event's time, which precedes the delivery's creation: a
   * day of slack covers a fan-out backlog), attempts by `(endpoint_id, started_at)` over the
   * app's endpoints.
   */
  async appStats(appId: string, since: Date): Promise<AppStats> {
    const counts = await this.dataSource.query<CountRow[]>(
      `SELECT endpoint_id, count(*) AS total,
              count(*) FILTER (WHERE status = 'succeeded') AS succeeded,
              count(*) FILTER (WHERE status = 'failed') AS failed,
              count(*) FILTER (WHERE status = 'pending') AS pending
       FROM deliveries WHERE app_id = $1 AND id >= $3 AND created_at >= $2
       GROUP BY GROUPING SETS ((endpoint_id), ())`,
      [appId, since.toISOString(), idFloor(IdPrefix.delivery, since.getTime() - 24 * 3600_000)],
    );
    const latencies = await this.dataSource.query<LatencyRow[]>(
      `SELECT endpoint_id,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) AS p50,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY duration_ms) AS p99
       FROM attempts WHERE endpoint_id IN (SELECT id FROM endpoints WHERE app_id = $1) AND app_id = $1 AND started_at >= $2
       GROUP BY GROUPING SETS ((endpoint_id), ())`,
      [appId, since.toISOString()],
    );
    const latencyOf = new Map(latencies.map((row) => [row.endpoint_id, row]));
    const stats = (row: CountRow | undefined) => toStats(row, latencyOf.get(row?.endpoint_id ?? null));
    const total = counts.find((row) => row.endpoint_id === null);
    return {
      ...toStats(total, latencyOf.get(null)),
      endpoints: counts
        .filter((row) => row.endpoint_id !== null)
        .sort((a, b) => ((a.endpoint_id as string) < (b.endpoint_id as string) ? -1 : 1))
        .map((row) => ({ endpointId: row.endpoint_id as string, ...stats(row) })),
    };
  }

  /** Each endpoint's deliveries by status, all time (the deliveries' endpoint-and-status index). */
  async countsByEndpoint(
    appId: string,
    endpointIds: string[],
  ): Promise<Map<string, { succeeded: number; failed: number; pending: number }>> {
    if (endpointIds.length === 0) return new Map();
    const rows = await this.dataSource.query<{ endpoint_id: string; status: DeliveryStatus; count: string }[]>(
      `SELECT endpoint_id, status, count(*) FROM deliveries WHERE endpoint_id = ANY($2::text[]) AND app_id = $1 GROUP BY endpoint_id, status`,
      [appId, endpointIds],
    );
    const counts = new Map<string, { succeeded: number; failed: number; pending: number }>();
    for (const row of rows) {
      const entry = counts.get(row.endpoint_id) ?? { succeeded: 0, failed: 0, pending: 0 };
      entry[row.status] = Number(row.count);
      counts.set(row.endpoint_id, entry);
    }
    return counts;
  }

  /** The endpoints a compatibility API created in an app, and their deliveries by status. */
  async compatTotals(
    appId: string,
    compat: string,
  ): Promise<{ webhooks: number; activeWebhooks: number; succeeded: number; failed: number; pending: number }> {
    const [row] = await this.dataSource.query<Record<'webhooks' | 'active' | 'succeeded' | 'failed' | 'pending', string>[]>(
      `SELECT
         (SELECT count(*) FROM endpoints WHERE app_id = $1 AND compat = $2) AS webhooks,
         (SELECT count(*) FROM endpoints WHERE app_id = $1 AND compat = $2 AND NOT disabled) AS active,
         count(*) FILTER (WHERE d.status = 'succeeded') AS succeeded,
         count(*) FILTER (WHERE d.status = 'failed') AS failed,
         count(*) FILTER (WHERE d.status = 'pending') AS pending
       FROM endpoints e JOIN deliveries d ON d.endpoint_id = e.id AND d.app_id = e.app_id
       WHERE e.app_id = $1 AND e.compat = $2`,
      [appId, compat],
    );
    return {
      webhooks: Number(row.webhooks),
      activeWebhooks: Number(row.active),
      succeeded: Number(row.succeeded),
      failed: Number(row.failed),
      pending: Number(row.pending),
    };
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
