import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** One time bucket of an app's (or endpoint's) attempts. */
export interface StatsBucket {
  start: Date;
  succeeded: number;
  failed: number;
  latencyMs: { p50: number | null; p95: number | null; p99: number | null };
}

interface BucketRow {
  start: Date;
  succeeded: string;
  failed: string;
  p50: number | null;
  p95: number | null;
  p99: number | null;
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
