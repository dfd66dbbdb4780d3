export * from './bus';
export * from './kafka-bus';
export * from './memory-bus';
export * from './bus-transport';
export * from './transports';
export * from './batch-pipeline';
