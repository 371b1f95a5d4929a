import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EventEntity } from '../entities';
import { Page, PageQuery, pageByTime } from '../pagination';

export interface EventFilter {
  eventType?: string;
  since?: Date;
  until?: Date;
}

/** What a repeat of a stored event is answered with. */
export interface StoredEvent {
  id: string;
  eventType: string;
  occurredAt: Date;
  createdAt: Date;
}

/** Reads of stored events, always scoped by app. Event ids may be caller-chosen, so lists order by time. */
@Injectable()
export class EventRepository {
  constructor(private readonly dataSource: DataSource) {}

  findById(appId: string, id: string): Promise<EventEntity | null> {
    return this.dataSource.getRepository(EventEntity).findOneBy({ appId, id });
  }

  /** The stored events among many (app, id) keys, in one statement; keyed `<appId> <id>`. */
  async findStored(keys: { appId: string; id: string }[]): Promise<Map<string, StoredEvent>> {
    const rows = await this.dataSource.query<{ app_id: string; id: string; event_type: string; occurred_at: Date; created_at: Date }[]>(
      `SELECT e.app_id, e.id, e.event_type, e.occurred_at, e.created_at
       FROM unnest($1::text[], $2::text[]) AS k(app_id, id) JOIN events e ON e.app_id = k.app_id AND e.id = k.id`,
      [keys.map((k) => k.appId), keys.map((k) => k.id)],
    );
    return new Map(
      rows.map((row) => [
        `${row.app_id} ${row.id}`,
        { id: row.id, eventType: row.event_type, occurredAt: row.occurred_at, createdAt: row.created_at },
      ]),
    );
  }

  async list(appId: string, filter: EventFilter, page: PageQuery): Promise<Page<EventEntity>> {
    const query = this.dataSource.getRepository(EventEntity).createQueryBuilder('e').where('e.app_id = :appId', { appId });
    if (filter.eventType) query.andWhere('e.event_type = :eventType', { eventType: filter.eventType });
    if (filter.since) query.andWhere('e.created_at >= :since', { since: filter.since });
    if (filter.until) query.andWhere('e.created_at < :until', { until: filter.until });
    return pageByTime(query, 'id', page);
  }
}
