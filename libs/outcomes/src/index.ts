export * from './checks';
export * from './intake';
export * from './follow-ups';
export * from './processor';
export * from './services';
export * from './snapshots';
export * from './outcomes.module';
export * from './outcome-trace';
