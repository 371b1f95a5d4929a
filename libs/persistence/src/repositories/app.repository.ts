import { Injectable } from '@nestjs/common';
import { DataSource, LessThan } from 'typeorm';
import { AppEntity, EndpointEntity } from '../entities';
import { rethrowTyped } from '../errors';
import { decodeCursor, Page, PageQuery, toPage, withTotal } from '../pagination';
import { OutboxMessage, OutboxRepository } from './outbox.repository';

/** Apps (tenants). Lookups accept the id or the app's `uid` alias. */
@Injectable()
export class AppRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxRepository,
  ) {}

  async insert(app: AppEntity): Promise<AppEntity> {
    try {
      await this.dataSource.getRepository(AppEntity).insert(app);
      return app;
    } catch (error) {
      rethrowTyped(error);
    }
  }

  /**
   * The app whose id or uid is `key`, or null. With `scope` (the app an app token belongs to)
   * any other app is null, as if it did not exist.
   */
  async findByKey(key: string, scope?: string | null): Promise<AppEntity | null> {
    const repo = this.dataSource.getRepository(AppEntity);
    const where = key.startsWith('app_') ? { id: key } : { uid: key };
    if (scope && 'id' in where && where.id !== scope) return null;
    return repo.findOneBy(scope ? { ...where, id: scope } : where);
  }

  async list(page: PageQuery): Promise<Page<AppEntity>> {
    const rows = await this.dataSource.getRepository(AppEntity).find({
      where: page.cursor ? { id: LessThan(decodeCursor(page.cursor)) } : {},
      order: { id: 'DESC' },
      take: page.limit + 1,
    });
    return withTotal(toPage(rows, page.limit), page, () => this.dataSource.getRepository(AppEntity).count());
  }

  async update(app: AppEntity): Promise<AppEntity> {
    try {
      await this.dataSource.getRepository(AppEntity).save(app);
      return app;
    } catch (error) {
      rethrowTyped(error);
    }
  }

  /** Deletes the app and its endpoints, announcing each endpoint's removal in the same transaction. */
  async delete(appId: string, announce: (endpoint: EndpointEntity) => OutboxMessage): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const endpoints = await manager.find(EndpointEntity, { where: { appId }, lock: { mode: 'pessimistic_write' } });
      await this.outbox.add(manager, endpoints.map(announce));
      await manager.delete(AppEntity, { id: appId });
    });
  }
}
