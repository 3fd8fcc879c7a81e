export * from './gateway-responses.ts';
export * from './gateway-error.ts';
export * from './config-error.ts';
