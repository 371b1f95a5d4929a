import { AppEntity } from './app.entity';
import { AppTokenEntity } from './app-token.entity';
import { AttemptEntity } from './attempt.entity';
import { DeliveryEntity } from './delivery.entity';
import { EndpointEntity } from './endpoint.entity';
import { EventEntity } from './event.entity';
import { EventTypeEntity } from './event-type.entity';
import { OutboxEntity } from './outbox.entity';

export { AppEntity, AppTokenEntity, AttemptEntity, DeliveryEntity, EndpointEntity, EventEntity, EventTypeEntity, OutboxEntity };
export type { DisabledReason, EndpointCompat } from './endpoint.entity';
export type { DeliveryStatus } from './delivery.entity';
export const ENTITIES = [
  AppEntity,
  AppTokenEntity,
  EndpointEntity,
  EventEntity,
  EventTypeEntity,
  DeliveryEntity,
  AttemptEntity,
  OutboxEntity,
];
