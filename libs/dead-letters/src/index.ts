export * from './dead-letters';
export * from './dead-letters.module';
export * from './dead-letter.store';
export * from './replay';
export * from './retention';
