export * from './platform.module';
export * from './repeating-task';
