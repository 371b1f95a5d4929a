import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A tenant: every endpoint, event and delivery belongs to one app. */
@Entity('apps')
export class AppEntity {
  @PrimaryColumn('text') id: string;
  @Column('text', { nullable: true, unique: true }) uid: string | null;
  @Column('text') name: string;
  @Column('jsonb', { default: {} }) metadata: Record<string, string>;
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt: Date;
}
