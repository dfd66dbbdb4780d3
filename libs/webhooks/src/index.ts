export * from './webhook.store';
export * from './webhook-outbox';
export * from './signing';
export * from './dispatcher';
export * from './subscriptions';
export * from './webhooks.module';
