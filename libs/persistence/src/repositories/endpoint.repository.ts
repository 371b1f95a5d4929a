import { Injectable } from '@nestjs/common';
import { ArrayContains, DataSource, FindOptionsWhere, LessThan } from 'typeorm';
import { DeliveryStatus, EndpointCompat, EndpointEntity } from '../entities';
import { decodeCursor, Page, PageQuery, toPage, withTotal } from '../pagination';
import { OutboxMessage, OutboxRepository } from './outbox.repository';

export interface EndpointFilter {
  eventType?: string;
  disabled?: boolean;
  /** Only the endpoints a compatibility API created. */
  compat?: EndpointCompat;
}

/** What an endpoint's attempts say about it, computed when read (API.md v1.1, endpoint responses). */
export interface EndpointHealth {
  /** The delivery attempted last: its status, when, and what the receiver answered. */
  lastDelivery: { status: DeliveryStatus; at: Date; responseStatus: number | null } | null;
  /** Share of the last 24 h's attempts that succeeded; null without attempts. */
  successRate24h: number | null;
  /** Consecutive failed attempts up to the last one (at most 64 are looked at), and when the last failed. */
  trailingFailures: number;
  lastFailureAt: Date | null;
}

interface HealthRow {
  id: string;
  status: DeliveryStatus | null;
  started_at: Date | null;
  response_status: number | null;
  total: string;
  succeeded: string;
  trailing_failures: string;
  last_failure_at: Date | null;
}

/**
 * Endpoints, always scoped by app. Every write also writes the outbox message that tells the
 * dispatcher, in the same transaction, so configuration on NATS never drifts from PostgreSQL.
 */
@Injectable()
export class EndpointRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxRepository,
  ) {}

  findById(appId: string, id: string): Promise<EndpointEntity | null> {
    return this.dataSource.getRepository(EndpointEntity).findOneBy({ appId, id });
  }

  /** Newest first, by cursor or (compatibility APIs) by `offset`. */
  async list(appId: string, filter: EndpointFilter, page: PageQuery & { offset?: number }): Promise<Page<EndpointEntity>> {
    const where: FindOptionsWhere<EndpointEntity> = { appId };
    if (filter.disabled !== undefined) where.disabled = filter.disabled;
    if (filter.eventType !== undefined) where.eventTypes = ArrayContains([filter.eventType]);
    if (filter.compat !== undefined) where.compat = filter.compat;
    const repository = this.dataSource.getRepository(EndpointEntity);
    const paged = page.cursor ? { ...where, id: LessThan(decodeCursor(page.cursor)) } : where;
    const rows = await repository.find({ where: paged, order: { id: 'DESC' }, skip: page.offset, take: page.limit + 1 });
    return withTotal(toPage(rows, page.limit), page, () => repository.countBy(where));
  }

  /**
   * The health of some of the app's endpoints, from their attempts (indexes on endpoint and
   * time): nothing is written per attempt for it.
   */
  async health(appId: string, ids: string[]): Promise<Map<string, EndpointHealth>> {
    if (ids.length === 0) return new Map();
    const rows = await this.dataSource.query<HealthRow[]>(
      `SELECT e.id, last.status, last.started_at, last.response_status, day.total, day.succeeded, streak.trailing_failures, streak.last_failure_at
       FROM unnest($2::text[]) AS e(id)
       LEFT JOIN LATERAL (
         SELECT d.status, a.started_at, a.response_status
         FROM attempts a JOIN deliveries d ON d.id = a.delivery_id
         WHERE a.endpoint_id = e.id AND a.app_id = $1
         ORDER BY a.started_at DESC LIMIT 1
       ) last ON true
       LEFT JOIN LATERAL (
         SELECT count(*) AS total, count(*) FILTER (WHERE a.outcome = 'success') AS succeeded
         FROM attempts a WHERE a.endpoint_id = e.id AND a.app_id = $1 AND a.started_at >= now() - interval '24 hours'
       ) day ON true
       LEFT JOIN LATERAL (
         SELECT count(*) AS trailing_failures, max(started_at) AS last_failure_at FROM (
           SELECT a.started_at, bool_or(a.outcome = 'success') OVER (ORDER BY a.started_at DESC ROWS UNBOUNDED PRECEDING) AS seen_success
           FROM (SELECT started_at, outcome FROM attempts WHERE endpoint_id = e.id AND app_id = $1 ORDER BY started_at DESC LIMIT 64) a
         ) recent WHERE NOT seen_success
       ) streak ON true`,
      [appId, ids],
    );
    return new Map(
      rows.map((row) => {
        const total = Number(row.total);
        return [
          row.id,
          {
            lastDelivery:
              row.status && row.started_at ? { status: row.status, at: row.started_at, responseStatus: row.response_status } : null,
            successRate24h: total > 0 ? Number(row.succeeded) / total : null,
            trailingFailures: Number(row.trailing_failures),
            lastFailureAt: row.last_failure_at,
          },
        ];
      }),
    );
  }

  /** Inserts a new endpoint and its announcement atomically. */
  async insert(endpoint: EndpointEntity, announce: (endpoint: EndpointEntity) => OutboxMessage): Promise<EndpointEntity> {
    await this.dataSource.transaction(async (manager) => {
      await manager.insert(EndpointEntity, endpoint);
      await this.outbox.add(manager, [announce(endpoint)]);
    });
    return endpoint;
  }

  /**
   * Applies `change` to the locked row, bumps its version and writes the announcement, all in
   * one transaction, so concurrent updates are announced in the order they committed.
   * Returns null if the endpoint does not exist; `change` returning false leaves it untouched.
   */
  async update(
    appId: string,
    id: string,
    change: (endpoint: EndpointEntity) => void | false,
    announce: (endpoint: EndpointEntity) => OutboxMessage,
  ): Promise<EndpointEntity | null> {
    return this.dataSource.transaction(async (manager) => {
      const endpoint = await manager.findOne(EndpointEntity, { where: { appId, id }, lock: { mode: 'pessimistic_write' } });
      if (!endpoint) return null;
      if (change(endpoint) === false) return endpoint;
      endpoint.version += 1;
      endpoint.updatedAt = new Date();
      await manager.save(EndpointEntity, endpoint);
      await this.outbox.add(manager, [announce(endpoint)]);
      return endpoint;
    });
  }

  /**
   * Writes the endpoint's secrets again, which seals them (a row from before encryption at rest
   * holds them in plain text), bumps its version and announces it, in one transaction.
   */
  async reseal(appId: string, id: string, announce: (endpoint: EndpointEntity) => OutboxMessage): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const endpoint = await manager.findOne(EndpointEntity, { where: { appId, id }, lock: { mode: 'pessimistic_write' } });
      if (!endpoint) return;
      endpoint.version += 1;
      // An explicit UPDATE: save() would skip columns whose opened value did not change.
      await manager.update(
        EndpointEntity,
        { appId, id },
        { secret: endpoint.secret, previousSecrets: endpoint.previousSecrets, version: endpoint.version },
      );
      await this.outbox.add(manager, [announce(endpoint)]);
    });
  }

  /** Deletes the endpoint and writes its announcement atomically; false if it did not exist. */
  async delete(appId: string, id: string, announce: OutboxMessage): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const result = await manager.delete(EndpointEntity, { appId, id });
      if (!result.affected) return false;
      await this.outbox.add(manager, [announce]);
      return true;
    });
  }
}
