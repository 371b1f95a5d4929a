import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EventTypeEntity } from '../entities';
import { rethrowTyped } from '../errors';
import { Page, PageQuery, pageByTime } from '../pagination';

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
  list(page: PageQuery): Promise<Page<EventTypeEntity>> {
    return pageByTime(this.dataSource.getRepository(EventTypeEntity).createQueryBuilder('t'), 'name', page);
  }

  async save(eventType: EventTypeEntity): Promise<EventTypeEntity> {
    return this.dataSource.getRepository(EventTypeEntity).save(eventType);
  }

  async delete(name: string): Promise<boolean> {
    const result = await this.dataSource.getRepository(EventTypeEntity).delete({ name });
    return Boolean(result.affected);
  }
}
