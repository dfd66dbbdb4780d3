export * from './dead-letters';
export * from './dead-letter.store';
