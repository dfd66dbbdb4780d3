export * from './rules';
export * from './rule-set';
