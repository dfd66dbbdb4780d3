export * from './partners';
export * from './directory';
export * from './partners-file';
export * from './territory';
