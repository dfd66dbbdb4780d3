export * from './dead-letters';
export * from './dead-letters.module';
