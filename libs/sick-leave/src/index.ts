export * from './normalizer';
export * from './router';
export * from './tracking';
export * from './intake';
export * from './topology';
export * from './episode-rows';
export { EPISODE_COLUMNS } from './episode.store';
