import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EventTypeEntity } from '../entities';
import { rethrowTyped } from '../errors';
import { decodeTimeCursor, encodeTimeCursor, Page, PageQuery } from '../pagination';

/** Event types are global (shared by every app), keyed by name. */
@Injectable()
export class EventTypeRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(eventType: EventTypeEntity): Promise<EventTypeEntity> {
    try {
      await this.dataSource.getRepository(EventTypeEntity).insert(eventType);
      return eventType;
    } catch (error) {
      rethrowTyped(error);
    }
  }

  findByName(name: string): Promise<EventTypeEntity | null> {
    return this.dataSource.getRepository(EventTypeEntity).findOneBy({ name });
  }

  /** Newest first; the cursor is the (createdAt, name) of the last row. */
  async list(page: PageQuery): Promise<Page<EventTypeEntity>> {
    const query = this.dataSource
      .getRepository(EventTypeEntity)
      .createQueryBuilder('t')
      .orderBy('t.created_at', 'DESC')
      .addOrderBy('t.name', 'DESC')
      .take(page.limit + 1);
    if (page.cursor) {
      const { at, key } = decodeTimeCursor(page.cursor);
      query.where('(t.created_at, t.name) < (:at, :key)', { at, key });
    }
    const rows = await query.getMany();
    const data = rows.slice(0, page.limit);
    const last = data[data.length - 1];
    return { data, nextCursor: rows.length > page.limit ? encodeTimeCursor(last.createdAt, last.name) : null };
  }

  async save(eventType: EventTypeEntity): Promise<EventTypeEntity> {
    return this.dataSource.getRepository(EventTypeEntity).save(eventType);
  }

  async delete(name: string): Promise<boolean> {
    const result = await this.dataSource.getRepository(EventTypeEntity).delete({ name });
    return Boolean(result.affected);
  }
}
