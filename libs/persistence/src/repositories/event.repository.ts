import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EventEntity } from '../entities';
import { decodeTimeCursor, encodeTimeCursor, Page, PageQuery } from '../pagination';

export interface EventFilter {
  eventType?: string;
  since?: Date;
  until?: Date;
}

/** Reads of stored events, always scoped by app. Event ids may be caller-chosen, so lists order by time. */
@Injectable()
export class EventRepository {
  constructor(private readonly dataSource: DataSource) {}

  findById(appId: string, id: string): Promise<EventEntity | null> {
    return this.dataSource.getRepository(EventEntity).findOneBy({ appId, id });
  }

  async list(appId: string, filter: EventFilter, page: PageQuery): Promise<Page<EventEntity>> {
    const query = this.dataSource
      .getRepository(EventEntity)
      .createQueryBuilder('e')
      .where('e.app_id = :appId', { appId })
      .orderBy('e.created_at', 'DESC')
      .addOrderBy('e.id', 'DESC')
      .take(page.limit + 1);
    if (filter.eventType) query.andWhere('e.event_type = :eventType', { eventType: filter.eventType });
    if (filter.since) query.andWhere('e.created_at >= :since', { since: filter.since });
    if (filter.until) query.andWhere('e.created_at < :until', { until: filter.until });
    if (page.cursor) {
      const { at, key } = decodeTimeCursor(page.cursor);
      query.andWhere('(e.created_at, e.id) < (:at, :key)', { at, key });
    }
    const rows = await query.getMany();
    const data = rows.slice(0, page.limit);
    const last = data[data.length - 1];
    return { data, nextCursor: rows.length > page.limit ? encodeTimeCursor(last.createdAt, last.id) : null };
  }
}
