export * from './normalizer';
export * from './router';
export * from './tracking';
export * from './intake';
export * from './episode-rows';
export * from './sick-leave-audit';
export * from './sick-leave.module';
export { EPISODE_COLUMNS } from './episode.store';
export * from './erasure';
