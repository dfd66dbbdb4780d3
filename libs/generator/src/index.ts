export * from './rng';
export * from './geography';
export * from './directory';
export * from './truth';
export * from './population';
