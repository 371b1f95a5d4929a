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
  /** The delivery's status after this attempt. */
  status: DeliveryStatus;
  nextAttemptAt: Date | null;
}

export type DeliveryWithAttempts = DeliveryEntity & { attempts: AttemptEntity[] };

/** Deliveries and their attempts: batched writes for the dispatcher, scoped reads for the API. */
@Injectable()
export class DeliveryRepository {
  constructor(private readonly dataSource: DataSource) {}

  async list(appId: string, filter: DeliveryFilter, page: PageQuery): Promise<Page<DeliveryEntity>> {
    const where: FindOptionsWhere<DeliveryEntity> = { appId, ...filter };
    if (page.cursor) where.id = LessThan(decodeCursor(page.cursor));
    const rows = await this.dataSource.getRepository(DeliveryEntity).find({ where, order: { id: 'DESC' }, take: page.limit + 1 });
    return toPage(rows, page.limit);
  }

  async findWithAttempts(appId: string, id: string): Promise<DeliveryWithAttempts | null> {
    const delivery = await this.dataSource.getRepository(DeliveryEntity).findOneBy({ appId, id });
    if (!delivery) return null;
    const attempts = await this.dataSource.getRepository(AttemptEntity).find({ where: { appId, deliveryId: id }, order: { attempt: 'ASC' } });
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
   * Records a batch of attempts and the new status of their deliveries in one statement.
   * A delivery that already succeeded stays succeeded (a duplicate attempt after a crash).
   * Returns each delivery's attempt number.
   */
  async recordAttempts(records: AttemptRecord[]): Promise<Map<string, number>> {
    if (records.length === 0) return new Map();
    const rows = (await this.dataSource.query(
      `WITH input AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::int[], $6::text[], $7::int[], $8::text[], $9::text[], $10::jsonb[], $11::text[], $12::timestamptz[])
           AS t(attempt_id, delivery_id, app_id, started_at, duration_ms, outcome, response_status, response_body, error, request_headers, status, next_attempt_at)
       ), updated AS (
         UPDATE deliveries d SET
           status = CASE WHEN d.status = 'succeeded' THEN d.status ELSE i.status END,
           next_attempt_at = CASE WHEN d.status = 'succeeded' THEN NULL ELSE i.next_attempt_at END,
           attempt_count = d.attempt_count + 1,
           updated_at = now()
         FROM input i WHERE d.id = i.delivery_id
         RETURNING d.id, d.attempt_count
       ), inserted AS (
         INSERT INTO attempts (id, delivery_id, app_id, attempt, started_at, duration_ms, outcome, response_status, response_body, error, request_headers)
         SELECT i.attempt_id, i.delivery_id, i.app_id, u.attempt_count, i.started_at, i.duration_ms, i.outcome, i.response_status, i.response_body, i.error, i.request_headers
         FROM input i JOIN updated u ON u.id = i.delivery_id
       )
       SELECT id, attempt_count FROM updated`,
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
        records.map((r) => r.status),
        records.map((r) => r.nextAttemptAt?.toISOString() ?? null),
      ],
    )) as { id: string; attempt_count: number }[];
    return new Map(rows.map((row) => [row.id, Number(row.attempt_count)]));
  }
}
