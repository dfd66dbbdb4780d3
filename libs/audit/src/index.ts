export * from './audit';
export * from './audit.module';
