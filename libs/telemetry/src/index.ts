export * from './tracing';
export * from './message-trace';
