export * from './standard-webhooks';
export * from './schemes';
export * from './python-json';
export * from './jsonata';
export * from './webhook-request';
