export * from './problem';
export * from './auth';
export * from './http-app';
export * from './http.module';
export * from './probes';
export * from './list-query';
export * from './console';
export * from './intake-admission';
