import { AppEntity } from './app.entity';
import { AttemptEntity } from './attempt.entity';
import { DeliveryEntity } from './delivery.entity';
import { EndpointEntity } from './endpoint.entity';
import { EventEntity } from './event.entity';
import { OutboxEntity } from './outbox.entity';

export { AppEntity, AttemptEntity, DeliveryEntity, EndpointEntity, EventEntity, OutboxEntity };
export type { DisabledReason } from './endpoint.entity';
export type { DeliveryStatus } from './delivery.entity';
export const ENTITIES = [AppEntity, EndpointEntity, EventEntity, DeliveryEntity, AttemptEntity, OutboxEntity];
