import { NatsService } from '@herald/messaging';
import { DataSource } from 'typeorm';
import { ReadinessCheck } from './health.controller';

/** Ready while the NATS connection is up. */
export function natsReadiness(nats: NatsService): ReadinessCheck {
  return { name: 'nats', isReady: () => nats.isConnected() };
}

/** Ready while PostgreSQL answers a trivial query within a second. */
export function databaseReadiness(dataSource: DataSource): ReadinessCheck {
  return {
    name: 'postgres',
    isReady: async () => {
      const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 1000).unref());
      const query = dataSource.query('SELECT 1').then(
        () => true,
        () => false,
      );
      return Promise.race([query, timeout]);
    },
  };
}
