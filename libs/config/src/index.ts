export * from './herald-config';
export * from './config.module';
export * from './secret-box';
