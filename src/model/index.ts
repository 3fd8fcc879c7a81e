export type * from './function.ts';
export type * from './http-api.ts';
export type * from './project.ts';
