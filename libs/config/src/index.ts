export * from './herald-config';
export * from './config.module';
