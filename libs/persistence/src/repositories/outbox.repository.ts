import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { OutboxEntity } from '../entities';

/** The advisory lock a relay holds while it publishes and deletes outbox rows. */
export const OUTBOX_LOCK_KEY = 0x4f555442;

/** A message to publish once the transaction that wrote it commits. */
export interface OutboxMessage {
  subject: string;
  msgId: string;
  payload: unknown;
}

/** The transactional outbox: rows written beside a change, relayed to NATS, then deleted. */
@Injectable()
export class OutboxRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Adds messages inside the caller's transaction. */
  async add(manager: EntityManager, messages: OutboxMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await manager.insert(
      OutboxEntity,
      messages.map((m) => ({ subject: m.subject, msgId: m.msgId, payload: m.payload as object })),
    );
  }

  /**
   * Takes the oldest rows under a transaction-scoped advisory lock (one relay at a time keeps
   * per-subject order), hands them to `publish`, and deletes them only if it succeeds.
   * Returns how many were relayed.
   */
  async relay(limit: number, publish: (rows: OutboxEntity[]) => Promise<void>): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      // Waits for another relay (another process's) rather than skipping: that one may have
      // read the outbox before the caller's row committed, and a writer's flush() must not
      // return before its row is on the stream (read-your-writes, see ConfigFeed).
      await manager.query('SELECT pg_advisory_xact_lock($1)', [OUTBOX_LOCK_KEY]);
      const rows = await manager.find(OutboxEntity, { order: { id: 'ASC' }, take: limit });
      if (rows.length === 0) return 0;
      await publish(rows);
      await manager.delete(
        OutboxEntity,
        rows.map((row) => row.id),
      );
      return rows.length;
    });
  }
}
