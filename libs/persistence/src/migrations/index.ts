import { Initial1764000000000 } from './1764000000000-initial';
import { DeliveryEngine1764100000000 } from './1764100000000-delivery-engine';

/** Every migration, oldest first. */
export const MIGRATIONS = [Initial1764000000000, DeliveryEngine1764100000000];
