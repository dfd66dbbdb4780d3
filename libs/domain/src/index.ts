export * from './nir';
export * from './siret';
export * from './pseudonym';
export * from './dates';
export * from './leave-checks';
export * from './episode';
export * from './eligibility';
export * from './territory';
