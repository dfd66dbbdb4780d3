export * from './erasure';
export * from './erasure.module';
export * from './retention';
export * from './rekey';
