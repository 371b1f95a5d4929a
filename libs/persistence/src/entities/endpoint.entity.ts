import type { EndpointBatch, EndpointBody, EndpointSignature, EndpointType } from '@herald/contracts';
import { secretBox } from '@herald/config';
import { Column, Entity, Index, PrimaryColumn, ValueTransformer } from 'typeorm';

export type DisabledReason = 'manual' | 'failing' | 'gone' | 'exhausted';

/** The compatibility API an endpoint was created through, which also decides how it reads there. */
export type EndpointCompat = 'videocloud' | 'bedolaga';

export interface PreviousSecret {
  secret: string;
  /** ISO time after which this secret no longer signs. */
  expiresAt: string;
}

/** Secrets are sealed (AES-256-GCM, HERALD_ENCRYPTION_KEY) in the row and opened on read. */
const sealed: ValueTransformer = {
  to: (plain: string) => secretBox().seal(plain),
  from: (stored: string) => secretBox().open(stored),
};
const sealedList: ValueTransformer = {
  to: (list: PreviousSecret[]) => list.map((p) => ({ ...p, secret: secretBox().seal(p.secret) })),
  from: (list: PreviousSecret[]) => list.map((p) => ({ ...p, secret: secretBox().open(p.secret) })),
};

/** An HTTP endpoint subscribed to some of its app's event types. */
@Entity('endpoints')
@Index(['appId', 'id'])
export class EndpointEntity {
  @PrimaryColumn('text') id: string;
  @Column('text', { name: 'app_id' }) appId: string;
  @Column('text') url: string;
  @Column('text', { nullable: true }) name: string | null;
  @Column('text', { default: 'webhook' }) type: EndpointType;
  @Column('jsonb', { default: { scheme: 'standard' } }) signature: EndpointSignature;
  @Column('jsonb', { default: { envelope: 'standard' } }) body: EndpointBody;
  @Column('jsonb', { nullable: true }) batch: EndpointBatch | null;
  @Column('text', { default: '' }) description: string;
  @Column('text', { name: 'event_types', array: true }) eventTypes: string[];
  @Column('text', { array: true, nullable: true }) channels: string[] | null;
  @Column('boolean', { default: false }) disabled: boolean;
  @Column('text', { name: 'disabled_reason', nullable: true }) disabledReason: DisabledReason | null;
  @Column('text', { transformer: sealed }) secret: string;
  /** Older secrets that still sign until they expire (a rotation's grace period). */
  @Column('jsonb', { name: 'previous_secrets', default: [], transformer: sealedList }) previousSecrets: PreviousSecret[];
  @Column('jsonb', { default: {} }) headers: Record<string, string>;
  @Column('jsonb', { default: {} }) metadata: Record<string, string>;
  @Column('integer', { name: 'rate_limit', nullable: true }) rateLimit: number | null;
  @Column('integer', { name: 'max_concurrency', default: 16 }) maxConcurrency: number;
  @Column('integer', { name: 'timeout_ms', default: 15000 }) timeoutMs: number;
  @Column('integer', { name: 'retry_schedule', array: true }) retrySchedule: number[];
  /** How far each retry delay may stray from the schedule, 0-0.5 (0: exactly the schedule). */
  @Column('double precision', { name: 'retry_jitter', default: 0.2 }) retryJitter: number;
  /** Disable the endpoint (reason "exhausted") when one of its deliveries runs out of retries. */
  @Column('boolean', { name: 'disable_on_exhaustion', default: false }) disableOnExhaustion: boolean;
  /** A header that carries the event id, for schemes that send no `webhook-id`. */
  @Column('text', { name: 'id_header', nullable: true }) idHeader: string | null;
  @Column('text', { nullable: true }) compat: EndpointCompat | null;
  /** Bumped on every change; orders the config messages the dispatcher receives. */
  @Column('integer', { default: 1 }) version: number;
  /** Since when every attempt has failed (null while it succeeds); drives auto-disabling. */
  @Column('timestamptz', { name: 'failing_since', nullable: true }) failingSince: Date | null;
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt: Date;
}
