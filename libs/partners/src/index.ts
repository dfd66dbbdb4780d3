export * from './partners';
export * from './partner.store';
export * from './directory';
export * from './partners-file';
export * from './territory';
export * from './partners.module';
export * from './http/partners-http.module';
