import { AppEntity } from './app.entity';
import { AttemptEntity } from './attempt.entity';
import { DeliveryEntity } from './delivery.entity';
import { EndpointEntity } from './endpoint.entity';
import { OutboxEntity } from './outbox.entity';

export { AppEntity, AttemptEntity, DeliveryEntity, EndpointEntity, OutboxEntity };
export type { DisabledReason } from './endpoint.entity';
export type { DeliveryStatus } from './delivery.entity';
export const ENTITIES = [AppEntity, EndpointEntity, DeliveryEntity, AttemptEntity, OutboxEntity];
