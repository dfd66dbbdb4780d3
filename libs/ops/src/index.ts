export * from './ops';
export * from './ops.module';
