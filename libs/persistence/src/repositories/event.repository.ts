import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EventEntity } from '../entities';
import { Page, PageQuery, pageByTime } from '../pagination';

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
    const query = this.dataSource.getRepository(EventEntity).createQueryBuilder('e').where('e.app_id = :appId', { appId });
    if (filter.eventType) query.andWhere('e.event_type = :eventType', { eventType: filter.eventType });
    if (filter.since) query.andWhere('e.created_at >= :since', { since: filter.since });
    if (filter.until) query.andWhere('e.created_at < :until', { until: filter.until });
    return pageByTime(query, 'id', page);
  }
}
