import { Column, Entity, PrimaryColumn } from 'typeorm';

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

/** One event going to one endpoint. Written by the dispatcher, read by subscriptions. */
@Entity('deliveries')
export class DeliveryEntity {
  @PrimaryColumn('text') id: string;
  @Column('text', { name: 'app_id' }) appId: string;
  @Column('text', { name: 'event_id' }) eventId: string;
  @Column('text', { name: 'endpoint_id' }) endpointId: string;
  @Column('text', { name: 'event_type' }) eventType: string;
  @Column('text') status: DeliveryStatus;
  @Column('integer', { name: 'attempt_count', default: 0 }) attemptCount: number;
  @Column('timestamptz', { name: 'next_attempt_at', nullable: true }) nextAttemptAt: Date | null;
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt: Date;
}
