export * from './identity';
export * from './vault';
export * from './identity.module';
