export type * from './access.ts';
export type * from './function.ts';
export type * from './http-api.ts';
export type * from './project.ts';
export type * from './rest-api.ts';
export type * from './websocket-api.ts';
export { AWS_WEBSOCKET_LIMITS } from './websocket-api.ts';
