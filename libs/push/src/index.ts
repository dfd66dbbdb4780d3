export * from './push.store';
export * from './push-outbox';
export * from './signing';
export * from './dispatcher';
export * from './subscriptions';
export * from './push.module';
