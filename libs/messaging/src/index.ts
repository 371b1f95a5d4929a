export * from './streams';
export * from './nats.service';
export * from './messaging.module';
export * from './json';
export * from './delivery-publisher';
export * from './ack-keeper';
export * from './concurrency';
export * from './durable-consumer';
