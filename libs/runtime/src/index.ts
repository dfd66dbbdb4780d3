export * from './runtime';
export * from './runtime.module';
export * from './worker';
