export * from './ids';
export * from './streams';
export * from './messages';
export * from './event-types';
export * from './grpc';
export * from './circuit';
