import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A bearer token scoped to one app. Only the SHA-256 of the token is stored. */
@Entity('app_tokens')
export class AppTokenEntity {
  @PrimaryColumn('text') id: string;
  @Column('text', { name: 'app_id' }) appId: string;
  @Column('text', { name: 'token_hash' }) tokenHash: string;
  @Column('text') description: string;
  @Column('timestamptz', { name: 'expires_at', nullable: true }) expiresAt: Date | null;
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
  /** `token` (created and listed by the admin) or `portal` (a short-lived portal session). */
  @Column('text', { default: 'token' }) kind: 'token' | 'portal';
  /** A read-only token may read everything in its app and change nothing (403 on writes). */
  @Column('boolean', { name: 'read_only', default: false }) readOnly: boolean;
}
