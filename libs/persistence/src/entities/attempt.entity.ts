import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One HTTP request of a delivery, as the receiver answered it. */
@Entity('attempts')
export class AttemptEntity {
  @PrimaryColumn('text') id: string;
  @Column('text', { name: 'delivery_id' }) deliveryId: string;
  @Column('text', { name: 'app_id' }) appId: string;
  @Column('text', { name: 'endpoint_id' }) endpointId: string;
  @Column('integer') attempt: number;
  /** The batch this attempt sent the delivery in, if the endpoint batches. */
  @Column('text', { name: 'batch_id', nullable: true }) batchId: string | null;
  @Column('timestamptz', { name: 'started_at' }) startedAt: Date;
  @Column('integer', { name: 'duration_ms' }) durationMs: number;
  @Column('text') outcome: 'success' | 'failure';
  @Column('integer', { name: 'response_status', nullable: true }) responseStatus: number | null;
  @Column('text', { name: 'response_body', nullable: true }) responseBody: string | null;
  @Column('text', { nullable: true }) error: string | null;
  @Column('jsonb', { name: 'request_headers', default: {} }) requestHeaders: Record<string, string>;
  /** The request body as sent, its first 64 KiB (null when nothing was sent). */
  @Column('text', { name: 'request_body', nullable: true }) requestBody: string | null;
}
