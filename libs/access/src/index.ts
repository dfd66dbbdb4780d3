export * from './access';
export * from './access.module';
export * from './accounts-file';
export * from './secrets';
export * from './tokens';
