export * from './inbox';
export * from './inbox.module';
export * from './http/inbox-http.module';
