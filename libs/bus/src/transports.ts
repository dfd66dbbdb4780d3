/** Transport ids that keep each worker's @EventPattern handlers on its own consumer group. */
export const NORMALIZER_TRANSPORT = Symbol('normalizer');
export const ROUTER_TRANSPORT = Symbol('router');
export const METRICS_TRANSPORT = Symbol('metrics');
export const COORDINATOR_TRANSPORT = Symbol('coordinator');

export const ConsumerGroups = {
  normalizer: 'pdp-normalizer',
  router: 'pdp-router',
  metrics: 'pdp-metrics',
  coordinator: 'pdp-coordinator',
} as const;
