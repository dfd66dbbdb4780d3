import Ajv from 'ajv';
import { availableParallelism } from 'os';

/** Typed configuration of every app, read from the environment and validated at start-up. */
export interface HubConfig {
  /** embedded: one process, PGlite and an in-process bus; distributed: Kafka + PostgreSQL. */
  mode: 'embedded' | 'distributed';
  kafka: { brokers: string[]; clientId: string; partitions: number; namespace: string; partitionsConsumedConcurrently: number; fetchMinBytes: number; fetchMaxWaitMs: number; fetchMaxBytesPerPartition: number; commitIntervalMs: number };
  databaseUrl?: string;
  /** Directory for the embedded database; in memory when absent. */
  embeddedDataDir?: string;
  http: { port: number; host: string };
  pseudonymKey: string;
  adminApiKey: string;
  /** Transitional phase of art. L.4622-2-1: the insurer's transmission also needs consent. */
  transitionalPhase: boolean;
  demoData: boolean;
}

const schema = {
  type: 'object',
  required: ['mode', 'kafka', 'http', 'pseudonymKey', 'adminApiKey', 'transitionalPhase', 'demoData'],
  properties: {
    mode: { enum: ['embedded', 'distributed'] },
    kafka: {
      type: 'object',
      required: ['brokers', 'clientId', 'partitions'],
      properties: {
        brokers: { type: 'array', items: { type: 'string', pattern: '^[^:]+:[0-9]+$' } },
        clientId: { type: 'string', minLength: 1 },
        partitions: { type: 'integer', minimum: 1, maximum: 256 },
        namespace: { type: 'string', pattern: '^[a-z0-9._-]*$' },
        partitionsConsumedConcurrently: { type: 'integer', minimum: 1, maximum: 64 },
        fetchMinBytes: { type: 'integer', minimum: 1 },
        fetchMaxWaitMs: { type: 'integer', minimum: 0, maximum: 5000 },
        fetchMaxBytesPerPartition: { type: 'integer', minimum: 65536, maximum: 67108864 },
        commitIntervalMs: { type: 'integer', minimum: 0, maximum: 60000 },
      },
    },
    databaseUrl: { type: 'string', pattern: '^postgres(ql)?://' },
    http: { type: 'object', properties: { port: { type: 'integer', minimum: 0, maximum: 65535 } } },
    pseudonymKey: { type: 'string', minLength: 16 },
    adminApiKey: { type: 'string', minLength: 12 },
  },
};

/** Demo-only secrets for the embedded mode; distributed mode refuses to start without real ones. */
const DEMO_PSEUDONYM_KEY = 'embedded-demo-pseudonym-key-not-for-production';
const DEMO_ADMIN_KEY = 'demo-admin-key';

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<HubConfig> = {}): HubConfig {
  const distributed = Boolean(env.KAFKA_BROKERS && env.DATABASE_URL);
  const mode = overrides.mode ?? (distributed ? 'distributed' : 'embedded');
  const config: HubConfig = {
    mode,
    kafka: {
      brokers: (env.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter(Boolean),
      clientId: env.KAFKA_CLIENT_ID ?? 'pdp-hub',
      partitions: Number(env.TOPIC_PARTITIONS ?? 6),
      namespace: env.TOPIC_NAMESPACE ?? '',
      // One batch in flight per core plus one by default (at most one per partition): a batch's
      // Node work overlaps another's database work, and kafkajs fetches again only once every
      // batch of the last fetch is done, so with one per core the end of each round ran one
      // batch alone. On 2 cores shared with PostgreSQL and the broker (bench, this round):
      // 3 at once drained 1 M notifications at 14,087–15,732 msg/s against 11,828–11,838 with 2,
      // and p99 at 1,000 msg/s was 50–68 ms against 106; all 6 contend (9,858–10,719 msg/s).
      partitionsConsumedConcurrently: Number(env.KAFKA_PARTITIONS_CONCURRENTLY ?? Math.min(Number(env.TOPIC_PARTITIONS ?? 6), availableParallelism() + 1)),
      // Let the broker gather up to this much (or wait this long) per fetch: bigger batches,
      // fewer transactions under load, bounded extra latency when quiet.
      fetchMinBytes: Number(env.KAFKA_FETCH_MIN_BYTES ?? 1),
      fetchMaxWaitMs: Number(env.KAFKA_FETCH_MAX_WAIT_MS ?? 100),
      // The most one partition's batch holds: a backlog drains in batches this big, and the
      // database's cost per message falls with the batch (one statement per step per batch).
      fetchMaxBytesPerPartition: Number(env.KAFKA_FETCH_MAX_BYTES_PER_PARTITION ?? 2 * 1024 * 1024),
      // How often handled offsets are committed (0: after every batch).
      commitIntervalMs: Number(env.KAFKA_COMMIT_INTERVAL_MS ?? 250),
    },
    databaseUrl: env.DATABASE_URL || undefined,
    embeddedDataDir: env.EMBEDDED_DATA_DIR || undefined,
    http: { port: Number(env.PORT ?? 3000), host: env.HOST ?? '127.0.0.1' },
    pseudonymKey: env.PSEUDONYM_KEY ?? (mode === 'embedded' ? DEMO_PSEUDONYM_KEY : ''),
    adminApiKey: env.ADMIN_API_KEY ?? (mode === 'embedded' ? DEMO_ADMIN_KEY : ''),
    transitionalPhase: (env.TRANSITIONAL_PHASE ?? 'false') === 'true',
    demoData: (env.DEMO_DATA ?? (mode === 'embedded' ? 'true' : 'false')) === 'true',
    ...overrides,
  };
  const validate = new Ajv({ allErrors: true }).compile(schema);
  const problems: string[] = validate(config) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
  if (config.mode === 'distributed' && config.kafka.brokers.length === 0) problems.push('KAFKA_BROKERS is required in distributed mode');
  if (config.mode === 'distributed' && !config.databaseUrl) problems.push('DATABASE_URL is required in distributed mode');
  if (problems.length) throw new Error(`Invalid configuration: ${problems.join('; ')}`);
  return config;
}
