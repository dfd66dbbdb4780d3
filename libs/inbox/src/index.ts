export * from './inbox';
export * from './inbox.module';
export * from './http/inbox-http.module';
export * from './inbox.store';
export * from './parked-case.store';
