export * from './rules';
export * from './rule-set';
export * from './routing-rules.module';
