export { createHeraldClient, fieldError } from '@herald/client';
export type { HeraldClient, HeraldClientOptions, Problem, Schemas, components, operations, paths } from '@herald/client';
export * from './publisher';
export * from './verify';
export * from './herald.module';
