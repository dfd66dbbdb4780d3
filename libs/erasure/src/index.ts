export * from './erasure';
export * from './erasure.module';
