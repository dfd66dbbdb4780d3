export * from './inbox';
export * from './inbox.store';
export * from './parked-case.store';
