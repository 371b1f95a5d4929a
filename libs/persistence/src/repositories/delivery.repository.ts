import { Injectable } from '@nestjs/common';
import { DataSource, FindOptionsWhere, LessThan } from 'typeorm';
import { AttemptEntity, DeliveryEntity, DeliveryStatus } from '../entities';
import { decodeCursor, Page, PageQuery, toPage } from '../pagination';

export interface DeliveryFilter {
  endpointId?: string;
  eventId?: string;
  status?: DeliveryStatus;
}

/** A new delivery as the fan-out creates it. */
export interface NewDelivery {
  id: string;
  appId: string;
  eventId: string;
  endpointId: string;
  eventType: string;
}

/** The result of one attempt, as the delivery worker records it. */
export interface AttemptRecord {
  attemptId: string;
  deliveryId: string;
  appId: string;
  startedAt: Date;
  durationMs: number;
  outcome: 'success' | 'failure';
  responseStatus: number | null;
  responseBody: string | null;
  error: string | null;
  requestHeaders: Record<string, string>;
  /** The endpoint's seconds between attempts; decides whether a failure is retried. */
  retrySchedule: number[];
}

/** What recording an attempt did to its delivery. */
export interface RecordedAttempt {
  attempt: number;
  status: DeliveryStatus;
  nextAttemptAt: Date | null;
}

interface RecordedRow {
  id: string;
  attempt_count: number;
  status: DeliveryStatus;
  next_attempt_at: Date | null;
}

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

  /** Inserts pending deliveries in one statement; rows that already exist (a re-run fan-out) are kept. */
  async insertPending(deliveries: NewDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    await this.dataSource.query(
      `INSERT INTO deliveries (id, app_id, event_id, endpoint_id, event_type, status, attempt_count, created_at, updated_at)
       SELECT id, app_id, event_id, endpoint_id, event_type, 'pending', 0, now(), now()
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS t(id, app_id, event_id, endpoint_id, event_type)
       ON CONFLICT (id) DO NOTHING`,
      [
        deliveries.map((d) => d.id),
        deliveries.map((d) => d.appId),
        deliveries.map((d) => d.eventId),
        deliveries.map((d) => d.endpointId),
        deliveries.map((d) => d.eventType),
      ],
    );
  }

  /**
   * Records a batch of attempts and their deliveries' new state in one statement. The attempt
   * number comes from the row, so a duplicate attempt after a crash is numbered correctly; a
   * failure is retried after retrySchedule[attempt - 1] seconds (±20 % jitter) or, past the
   * schedule, fails the delivery. A delivery that already succeeded stays succeeded.
   */
  async recordAttempts(records: AttemptRecord[]): Promise<Map<string, RecordedAttempt>> {
    if (records.length === 0) return new Map();
    const rows = await this.dataSource.query<RecordedRow[]>(
      `WITH input AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::int[], $6::text[], $7::int[], $8::text[], $9::text[], $10::jsonb[], $11::jsonb[])
           AS t(attempt_id, delivery_id, app_id, started_at, duration_ms, outcome, response_status, response_body, error, request_headers, retry_schedule)
       ), next AS (
         SELECT i.delivery_id, d.attempt_count + 1 AS attempt,
           CASE
             WHEN d.status = 'succeeded' OR i.outcome = 'success' THEN 'succeeded'
             WHEN i.retry_schedule ->> d.attempt_count IS NULL THEN 'failed'
             ELSE 'pending'
           END AS status,
           (i.retry_schedule ->> d.attempt_count)::float8 * (0.8 + random() * 0.4) AS delay_seconds
         FROM input i JOIN deliveries d ON d.id = i.delivery_id
         FOR UPDATE OF d
       ), updated AS (
         UPDATE deliveries d SET
           status = n.status,
           attempt_count = n.attempt,
           next_attempt_at = CASE WHEN n.status = 'pending' THEN now() + make_interval(secs => n.delay_seconds) END,
           updated_at = now()
         FROM next n WHERE d.id = n.delivery_id
         RETURNING d.id, d.attempt_count, d.status, d.next_attempt_at
       ), inserted AS (
         INSERT INTO attempts (id, delivery_id, app_id, attempt, started_at, duration_ms, outcome, response_status, response_body, error, request_headers)
         SELECT i.attempt_id, i.delivery_id, i.app_id, u.attempt_count, i.started_at, i.duration_ms, i.outcome, i.response_status, i.response_body, i.error, i.request_headers
         FROM input i JOIN updated u ON u.id = i.delivery_id
       )
       SELECT id, attempt_count, status, next_attempt_at FROM updated`,
      [
        records.map((r) => r.attemptId),
        records.map((r) => r.deliveryId),
        records.map((r) => r.appId),
        records.map((r) => r.startedAt.toISOString()),
        records.map((r) => r.durationMs),
        records.map((r) => r.outcome),
        records.map((r) => r.responseStatus),
        records.map((r) => r.responseBody),
        records.map((r) => r.error),
        records.map((r) => JSON.stringify(r.requestHeaders)),
        records.map((r) => JSON.stringify(r.retrySchedule)),
      ],
    );
    return new Map(
      rows.map((row) => [row.id, { attempt: Number(row.attempt_count), status: row.status, nextAttemptAt: row.next_attempt_at }]),
    );
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
