import { Injectable } from '@nestjs/common';
import { CIRCUIT_FAILURES_TO_OPEN } from '@herald/contracts';
import { DataSource } from 'typeorm';

/** One time bucket of an app's (or endpoint's) attempts. */
export interface StatsBucket {
  start: Date;
  succeeded: number;
  failed: number;
  latencyMs: { p50: number | null; p95: number | null; p99: number | null };
}

/** An endpoint's health as its attempt records show it. */
export interface EndpointHealth {
  /** Share of the last 24 h's attempts that succeeded; null without attempts. */
  successRate24h: number | null;
  /** `open` when its last attempts all failed (as many as open the dispatcher's breaker), else `closed`. */
  circuit: 'open' | 'closed';
  lastDelivery: { status: 'succeeded' | 'failed'; at: Date; responseStatus: number | null } | null;
}

/** The latest attempt of a delivery, for lists (API.md v1.1 `lastAttempt`). */
export interface LastAttempt {
  at: Date;
  responseStatus: number | null;
  error: string | null;
  durationMs: number;
}

interface BucketRow {
  start: Date;
  succeeded: string;
  failed: string;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

interface HealthRow {
  id: string;
  total: string | null;
  succeeded: string | null;
  last_at: Date | null;
  last_outcome: 'success' | 'failure' | null;
  last_status: number | null;
  open: boolean | null;
}

const round = (value: number | null) => (value === null ? null : Math.round(value));

/**
 * Read-only aggregates of deliveries and attempts for the console (charts, endpoint health, the
 * size of a replay). Every query is scoped by app and reads through the attempts' endpoint index.
 */
@Injectable()
export class DeliveryStatsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Attempts per bucket by outcome with latency percentiles, over [since, until); empty buckets included. */
  async timeseries(
    appId: string,
    filter: { endpointId?: string; since: Date; until: Date; bucketSeconds: number },
  ): Promise<StatsBucket[]> {
    const rows = await this.dataSource.query<BucketRow[]>(
      `SELECT date_bin(make_interval(secs => $4), a.started_at, $2::timestamptz) AS start,
              count(*) FILTER (WHERE a.outcome = 'success') AS succeeded,
              count(*) FILTER (WHERE a.outcome = 'failure') AS failed,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY a.duration_ms) AS p50,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY a.duration_ms) AS p95,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY a.duration_ms) AS p99
       FROM attempts a
       WHERE a.app_id = $1
         AND a.endpoint_id IN (SELECT id FROM endpoints WHERE app_id = $1 AND ($5::text IS NULL OR id = $5))
         AND a.started_at >= $2 AND a.started_at < $3
       GROUP BY 1 ORDER BY 1`,
      [appId, filter.since.toISOString(), filter.until.toISOString(), filter.bucketSeconds, filter.endpointId ?? null],
    );
    const found = new Map(rows.map((row) => [new Date(row.start).getTime(), row]));
    const buckets: StatsBucket[] = [];
    const step = filter.bucketSeconds * 1000;
    for (let start = filter.since.getTime(); start < filter.until.getTime(); start += step) {
      const row = found.get(start);
      buckets.push({
        start: new Date(start),
        succeeded: Number(row?.succeeded ?? 0),
        failed: Number(row?.failed ?? 0),
        latencyMs: { p50: round(row?.p50 ?? null), p95: round(row?.p95 ?? null), p99: round(row?.p99 ?? null) },
      });
    }
    return buckets;
  }

  /** The health of each of the app's endpoints named, by id. */
  async endpointHealth(appId: string, endpointIds: string[]): Promise<Map<string, EndpointHealth>> {
    if (endpointIds.length === 0) return new Map();
    const rows = await this.dataSource.query<HealthRow[]>(
      `SELECT ep.id, day.total, day.succeeded, last.started_at AS last_at, last.outcome AS last_outcome, last.response_status AS last_status,
              recent.open
       FROM unnest($2::text[]) AS ep(id)
       LEFT JOIN LATERAL (
         SELECT count(*) AS total, count(*) FILTER (WHERE outcome = 'success') AS succeeded
         FROM attempts WHERE endpoint_id = ep.id AND app_id = $1 AND started_at >= now() - interval '24 hours'
       ) day ON true
       LEFT JOIN LATERAL (
         SELECT started_at, outcome, response_status FROM attempts
         WHERE endpoint_id = ep.id AND app_id = $1 ORDER BY started_at DESC LIMIT 1
       ) last ON true
       LEFT JOIN LATERAL (
         SELECT count(*) = $3 AND bool_and(outcome = 'failure') AS open FROM (
           SELECT outcome FROM attempts WHERE endpoint_id = ep.id AND app_id = $1 ORDER BY started_at DESC LIMIT $3
         ) latest
       ) recent ON true`,
      [appId, endpointIds, CIRCUIT_FAILURES_TO_OPEN],
    );
    return new Map(
      rows.map((row) => {
        const total = Number(row.total ?? 0);
        return [
          row.id,
          {
            successRate24h: total > 0 ? Number(row.succeeded ?? 0) / total : null,
            circuit: row.open ? 'open' : 'closed',
            lastDelivery:
              row.last_at === null
                ? null
                : { status: row.last_outcome === 'success' ? 'succeeded' : 'failed', at: row.last_at, responseStatus: row.last_status },
          },
        ];
      }),
    );
  }

  /** The latest attempt of each of the app's deliveries named, by delivery id (none: absent). */
  async lastAttempts(appId: string, deliveryIds: string[]): Promise<Map<string, LastAttempt>> {
    if (deliveryIds.length === 0) return new Map();
    const rows = await this.dataSource.query<
      { delivery_id: string; started_at: Date; response_status: number | null; error: string | null; duration_ms: number }[]
    >(
      `SELECT DISTINCT ON (delivery_id) delivery_id, started_at, response_status, error, duration_ms
       FROM attempts WHERE app_id = $1 AND delivery_id = ANY($2::text[])
       ORDER BY delivery_id, attempt DESC`,
      [appId, deliveryIds],
    );
    return new Map(
      rows.map((row) => [
        row.delivery_id,
        { at: row.started_at, responseStatus: row.response_status, error: row.error, durationMs: row.duration_ms },
      ]),
    );
  }

  /** How many deliveries a replay of [since, until) would send again (only failed ones unless `all`). */
  async countReplayable(appId: string, endpointId: string, since: Date, until: Date, all: boolean, limit: number): Promise<number> {
    const [row] = await this.dataSource.query<{ count: string }[]>(
      `SELECT count(*) AS count FROM (
         SELECT 1 FROM deliveries d JOIN events e ON e.app_id = d.app_id AND e.id = d.event_id
         WHERE d.app_id = $1 AND d.endpoint_id = $2 AND e.created_at >= $3 AND e.created_at < $4 AND ($5 OR d.status = 'failed')
         LIMIT $6
       ) chosen`,
      [appId, endpointId, since.toISOString(), until.toISOString(), all, limit],
    );
    return Number(row.count);
  }
}
