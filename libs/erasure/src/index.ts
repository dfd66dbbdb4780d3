export * from './erasure';
export * from './erasure.module';
export * from './retention';
