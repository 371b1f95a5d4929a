import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An accepted event, kept so deliveries can be retried, replayed and read back. */
@Entity('events')
export class EventEntity {
  @PrimaryColumn('text', { name: 'app_id' }) appId: string;
  @PrimaryColumn('text') id: string;
  @Column('text', { name: 'event_type' }) eventType: string;
  @Column('jsonb') payload: Record<string, unknown>;
  @Column('text', { array: true, nullable: true }) channels: string[] | null;
  @Column('timestamptz', { name: 'occurred_at' }) occurredAt: Date;
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
}
