export * from './decision';
export * from './registry';
export * from './fhir-consent';
export * from './sick-leave-consent';
export * from './erasure';
