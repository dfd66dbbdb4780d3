export * from './partners';
export * from './partner.store';
export * from './directory';
export * from './partners-file';
export * from './territory';
