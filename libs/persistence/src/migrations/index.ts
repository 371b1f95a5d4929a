import { Initial1764000000000 } from './1764000000000-initial';
import { DeliveryEngine1764100000000 } from './1764100000000-delivery-engine';
import { EndpointFormats1764200000000 } from './1764200000000-endpoint-formats';
import { SecretRotation1764300000000 } from './1764300000000-secret-rotation';
import { Batching1764400000000 } from './1764400000000-batching';
import { Management1764500000000 } from './1764500000000-management';
import { KeyCheck1764600000000 } from './1764600000000-key-check';
import { SeedProducts1764700000000 } from './1764700000000-seed-products';
import { Console1764800000000 } from './1764800000000-console';

/** Every migration, oldest first. */
export const MIGRATIONS = [
  Initial1764000000000,
  DeliveryEngine1764100000000,
  EndpointFormats1764200000000,
  SecretRotation1764300000000,
  Batching1764400000000,
  Management1764500000000,
  KeyCheck1764600000000,
  SeedProducts1764700000000,
  Console1764800000000,
];
