import { Injectable } from '@nestjs/common';
import { ArrayContains, DataSource, FindOptionsWhere, LessThan } from 'typeorm';
import { EndpointEntity } from '../entities';
import { decodeCursor, Page, PageQuery, toPage } from '../pagination';
import { OutboxMessage, OutboxRepository } from './outbox.repository';

export interface EndpointFilter {
  eventType?: string;
  disabled?: boolean;
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

  async list(appId: string, filter: EndpointFilter, page: PageQuery): Promise<Page<EndpointEntity>> {
    const where: FindOptionsWhere<EndpointEntity> = { appId };
    if (page.cursor) where.id = LessThan(decodeCursor(page.cursor));
    if (filter.disabled !== undefined) where.disabled = filter.disabled;
    if (filter.eventType !== undefined) where.eventTypes = ArrayContains([filter.eventType]);
    const rows = await this.dataSource.getRepository(EndpointEntity).find({ where, order: { id: 'DESC' }, take: page.limit + 1 });
    return toPage(rows, page.limit);
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
