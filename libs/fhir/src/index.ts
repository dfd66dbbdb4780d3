export * from './types';
export * from './systems';
export * from './client';
export * from './task-delivery';
export * from './directory';
export * from './endpoint-policy';
