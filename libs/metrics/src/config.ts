/** Settings of the outcome metrics, read from the environment (defaults in brackets). */
export interface MetricsConfig {
  /** Cells with a counter between 1 and threshold - 1 are masked [10]. */
  maskThreshold: number;
  /** Reports of one person whose windows are at most this many days apart are one case [60]. */
  dedupGapDays: number;
  /** A follow-up is "due" from its due date for this many days, then "overdue" [30]. */
  followUpGraceDays: number;
  /** How often the metrics app publishes snapshots and sweeps follow-ups; 0 = only on demand [60000]. */
  publishIntervalMs: number;
}

export const DEFAULT_METRICS_CONFIG: MetricsConfig = {
  maskThreshold: 10,
  dedupGapDays: 60,
  followUpGraceDays: 30,
  publishIntervalMs: 60_000,
};

export function loadMetricsConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<MetricsConfig> = {}): MetricsConfig {
  const int = (name: string, fallback: number, min: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min) throw new Error(`Invalid configuration: ${name} must be an integer >= ${min}`);
    return v;
  };
  return {
    maskThreshold: int('METRICS_MASK_THRESHOLD', DEFAULT_METRICS_CONFIG.maskThreshold, 1),
    dedupGapDays: int('METRICS_DEDUP_GAP_DAYS', DEFAULT_METRICS_CONFIG.dedupGapDays, 0),
    followUpGraceDays: int('FOLLOW_UP_GRACE_DAYS', DEFAULT_METRICS_CONFIG.followUpGraceDays, 0),
    publishIntervalMs: int('METRICS_PUBLISH_INTERVAL_MS', DEFAULT_METRICS_CONFIG.publishIntervalMs, 0),
    ...overrides,
  };
}
