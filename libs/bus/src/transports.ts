/** Transport ids that keep each worker's @EventPattern handlers on its own consumer group. */
export const NORMALIZER_TRANSPORT = Symbol('normalizer');
export const ROUTER_TRANSPORT = Symbol('router');
export const METRICS_TRANSPORT = Symbol('metrics');
export const SIGNALEMENTS_TRANSPORT = Symbol('signalements');

export const ConsumerGroups = {
  normalizer: 'pdp-normalizer',
  router: 'pdp-router',
  metrics: 'pdp-metrics',
  signalements: 'pdp-signalements',
} as const;
