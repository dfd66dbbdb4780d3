export * from './database';
export * from './pg-database';
export * from './pglite-database';
export * from './migrate';
export * from './rows';
export * from './database.module';
export * from './keyset';
export * from './pseudonym-version';
