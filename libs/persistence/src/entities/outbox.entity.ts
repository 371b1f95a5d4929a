import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A message written in the same transaction as the change it announces; relayed to NATS. */
@Entity('outbox')
export class OutboxEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id: string;
  @Column('text') subject: string;
  @Column('text', { name: 'msg_id' }) msgId: string;
  @Column('jsonb') payload: unknown;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt: Date;
}
