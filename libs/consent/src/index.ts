export * from './decision';
export * from './registry';
export * from './fhir-consent';
