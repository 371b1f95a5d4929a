export * from './grpc-server';
export * from './grpc-errors';
export * from './grpc-messages';
