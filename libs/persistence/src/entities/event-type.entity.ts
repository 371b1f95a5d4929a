import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A declared event type; its optional JSON Schema is enforced at ingest. */
@Entity('event_types')
export class EventTypeEntity {
  @PrimaryColumn('text') name: string;
  @Column('text') description: string;
  @Column('jsonb', { nullable: true }) schema: object | null;
  @Column('boolean') deprecated: boolean;
  /** An example payload (matches the schema); a test send without a payload uses it. */
  @Column('jsonb', { nullable: true }) example: object | null;
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt: Date;
}
