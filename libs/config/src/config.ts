import Ajv from 'ajv';
import { readFileSync } from 'fs';
import { availableParallelism } from 'os';

/** Settings of the outcome metrics (defaults in DEFAULT_METRICS_CONFIG). */
export interface MetricsConfig {
  /** Cells with a counter between 1 and threshold - 1 are masked [11: counts of 1 to 10 hidden, the health-data norm]. */
  maskThreshold: number;
  /** Reports of one person whose windows are at most this many days apart are one case [60]. */
  dedupGapDays: number;
  /** A follow-up is "due" from its due date for this many days, then "overdue" [30]. */
  followUpGraceDays: number;
  /** How often the metrics app publishes snapshots and sweeps follow-ups; 0 = only on demand [60000]. */
  publishIntervalMs: number;
}

export const DEFAULT_METRICS_CONFIG: MetricsConfig = {
  maskThreshold: 11,
  dedupGapDays: 60,
  followUpGraceDays: 30,
  publishIntervalMs: 60_000,
};

export type KafkaSaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';
const KAFKA_SASL_MECHANISMS: readonly KafkaSaslMechanism[] = ['plain', 'scram-sha-256', 'scram-sha-512'];

/** Typed configuration of every app, read from the environment and validated at start-up. */
export interface HubConfig {
  /** embedded: one process, PGlite and an in-process bus; distributed: Kafka + PostgreSQL. */
  mode: 'embedded' | 'distributed';
  kafka: {
    brokers: string[];
    clientId: string;
    partitions: number;
    namespace: string;
    partitionsConsumedConcurrently: number;
    fetchMinBytes: number;
    fetchMaxWaitMs: number;
    fetchMaxBytesPerPartition: number;
    commitIntervalMs: number;
    /** How long a consumer that stopped heartbeating (a crashed process) keeps its partitions before the group reassigns them. */
    sessionTimeoutMs: number;
    /** TLS to the brokers (KAFKA_SSL): the CA to trust and, for mutual TLS, the client's certificate, as PEM. */
    ssl?: { ca?: string; cert?: string; key?: string };
    /** SASL authentication (KAFKA_SASL_MECHANISM): PLAIN only over TLS, SCRAM over either. */
    sasl?: { mechanism: KafkaSaslMechanism; username: string; password: string };
  };
  databaseUrl?: string;
  /** Directory for the embedded database; in memory when absent. */
  embeddedDataDir?: string;
  /** maxInFlightIntakes: intake requests handled at once before the others are answered 429 (docs/faults.md). */
  http: { port: number; host: string; maxInFlightIntakes: number };
  /** The worker services' HTTP port for probes and metrics (/health/live, /health/ready, /metrics); none when absent. */
  probePort?: number;
  /** JSON log lines (pino): the level, and a file to append to instead of standard output. */
  log?: { level: LogLevel; file?: string };
  pseudonymKey: string;
  /**
   * The pseudonymisation keys added since `pseudonymKey`, oldest first (PSEUDONYM_KEY_ROTATIONS,
   * comma-separated): the version of the pseudonyms is 1 plus their count, and the database must
   * have been re-keyed to it (docs/operations.md, "Rotating the pseudonymisation key").
   */
  pseudonymRotations: string[];
  /**
   * The embedded demo's shared operator key (a named admin account, `admin`); refused where API
   * keys are, since operators have named accounts (docs/security.md).
   */
  adminApiKey: string;
  /**
   * How callers authenticate (docs/security.md): API keys are for the embedded demo and test
   * configurations; elsewhere partners and operators use OAuth2 client credentials or, for
   * partners, a client certificate.
   */
  access: {
    apiKeysEnabled: boolean;
    /** PEM (PKCS#8) private key signing the hub's access tokens, its key id, the tokens' issuer and lifetime. */
    tokenSigningKey?: string;
    tokenKeyId: string;
    tokenIssuer: string;
    tokenTtlSeconds: number;
    /** Named operator accounts created at start-up (accounts/1 file), with their secrets read from the environment. */
    accountsFile?: { path: string; secrets: Record<string, string> };
    /** A partner's URL may point at loopback, link-local or private addresses (test configurations only). */
    allowPrivatePartnerUrls: boolean;
  };
  /** HTTPS with client certificates (mutual TLS): the server's certificate and key, and the CA partners' certificates are issued by (PEM). */
  https?: { cert: string; key: string; clientCa?: string };
  /** Transitional phase of art. L.4622-2-1: the insurer's transmission also needs consent. */
  transitionalPhase: boolean;
  demoData: boolean;
  /**
   * Threads handling the normalizer's batches (libs/bus HandlerThreads); 0 handles them on the
   * consuming thread. Distributed mode only: the embedded hub's database lives in its process.
   */
  normalizerThreads: number;
  /**
   * Every consumer group: attempts at a batch that fails for a reason other than the
   * infrastructure before its messages are handled apart and the ones that fail alone are
   * dead-lettered, and the wait before the second attempt, doubled before each next one.
   */
  consumers: { maxAttempts: number; retryBackoffMs: number };
  metrics: MetricsConfig;
  /** The routing rules (routing-rules/1); deploy/routing-rules.json when absent. */
  routingRulesFile?: string;
  /**
   * The partner directory loaded at start-up (partner-directory/1), if any, with the API keys its
   * entries name by environment variable (apiKeyEnv), read here like every other setting.
   */
  partnersFile?: { path: string; apiKeys: Record<string, string> };
  /** OpenTelemetry: the traces exporter when one is configured the standard way (OTEL_*), else none. */
  telemetry: { tracesExporter?: string };
  /**
   * The keys that encrypt the workers' identities at rest (AES-256-GCM): every record names the
   * key it was sealed with, new records use the active one, so a key can be replaced while the
   * old one still opens what it sealed.
   */
  identityKeys: { activeKeyId: string; keys: Record<string, string> };
  /**
   * How long each class of data is kept (docs/operations.md, "Retention"), in days: dead letters
   * (their table rows, and the dead-letter topic's retention when the hub creates it); a person's
   * identity and person-level rows after her last activity (then erased as at her request).
   */
  retention: { deadLetterDays: number; personDays: number };
  /**
   * Pushing a FHIR copy again after its partner's endpoint failed (docs/integrators.md, "FHIR"):
   * the first retry after baseMs, each next one twice as late up to maxMs (with jitter), given up
   * after maxAttempts (the copy stays 'failed', listed for ops, who can push it again).
   */
  fhirRetry: { baseMs: number; maxMs: number; maxAttempts: number };
  /**
   * Calling the partners' webhooks (docs/integrators.md, "Webhooks"): due events are looked for
   * every pollMs; a partner answers within timeoutMs; a failed call is made again after baseMs,
   * then twice as late each time up to maxMs (with jitter), and parked after maxAttempts calls.
   */
  webhooks: { pollMs: number; timeoutMs: number; baseMs: number; maxMs: number; maxAttempts: number };
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const schema = {
  type: 'object',
  required: ['mode', 'kafka', 'http', 'pseudonymKey', 'adminApiKey', 'access', 'transitionalPhase', 'demoData', 'normalizerThreads', 'consumers'],
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
        sessionTimeoutMs: { type: 'integer', minimum: 6000, maximum: 300000 },
      },
    },
    databaseUrl: { type: 'string', pattern: '^postgres(ql)?://' },
    http: { type: 'object', properties: { port: { type: 'integer', minimum: 0, maximum: 65535 }, maxInFlightIntakes: { type: 'integer', minimum: 1, maximum: 100000 } } },
    probePort: { type: 'integer', minimum: 0, maximum: 65535 },
    log: { type: 'object', required: ['level'], properties: { level: { enum: [...LOG_LEVELS] }, file: { type: 'string', minLength: 1 } } },
    pseudonymKey: { type: 'string', minLength: 16 },
    pseudonymRotations: { type: 'array', items: { type: 'string', minLength: 16 } },
    adminApiKey: { type: 'string' },
    access: {
      type: 'object',
      properties: {
        tokenKeyId: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' },
        tokenIssuer: { type: 'string', minLength: 1 },
        tokenTtlSeconds: { type: 'integer', minimum: 30, maximum: 86400 },
      },
    },
    normalizerThreads: { type: 'integer', minimum: 0, maximum: 16 },
    consumers: {
      type: 'object',
      required: ['maxAttempts', 'retryBackoffMs'],
      properties: {
        maxAttempts: { type: 'integer', minimum: 1, maximum: 20 },
        retryBackoffMs: { type: 'integer', minimum: 0, maximum: 60000 },
      },
    },
    metrics: {
      type: 'object',
      required: ['maskThreshold', 'dedupGapDays', 'followUpGraceDays', 'publishIntervalMs'],
      properties: {
        maskThreshold: { type: 'integer', minimum: 1 },
        dedupGapDays: { type: 'integer', minimum: 0 },
        followUpGraceDays: { type: 'integer', minimum: 0 },
        publishIntervalMs: { type: 'integer', minimum: 0 },
      },
    },
    routingRulesFile: { type: 'string', minLength: 1 },
    retention: {
      type: 'object',
      required: ['deadLetterDays', 'personDays'],
      properties: { deadLetterDays: { type: 'number', exclusiveMinimum: 0, maximum: 3650 }, personDays: { type: 'number', exclusiveMinimum: 0, maximum: 36500 } },
    },
    fhirRetry: {
      type: 'object',
      required: ['baseMs', 'maxMs', 'maxAttempts'],
      properties: { baseMs: { type: 'integer', minimum: 10 }, maxMs: { type: 'integer', minimum: 10 }, maxAttempts: { type: 'integer', minimum: 1, maximum: 100 } },
    },
    webhooks: {
      type: 'object',
      required: ['pollMs', 'timeoutMs', 'baseMs', 'maxMs', 'maxAttempts'],
      properties: {
        pollMs: { type: 'integer', minimum: 10, maximum: 60_000 },
        timeoutMs: { type: 'integer', minimum: 100, maximum: 120_000 },
        baseMs: { type: 'integer', minimum: 10 },
        maxMs: { type: 'integer', minimum: 10 },
        maxAttempts: { type: 'integer', minimum: 1, maximum: 100 },
      },
    },
    identityKeys: {
      type: 'object',
      required: ['activeKeyId', 'keys'],
      properties: {
        activeKeyId: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,32}$' },
        keys: { type: 'object', minProperties: 1, additionalProperties: { type: 'string', pattern: '^[A-Za-z0-9+/]{43}=$' } },
      },
    },
  },
};

/** Demo-only secrets for the embedded mode; distributed mode refuses to start without real ones. */
const DEMO_PSEUDONYM_KEY = 'embedded-demo-pseudonym-key-not-for-production';
const DEMO_ADMIN_KEY = 'demo-admin-key';
/** 32 bytes, base64: the embedded demo's identity key. */
const DEMO_IDENTITY_KEY = Buffer.from('embedded-demo-identity-key-32-by').toString('base64');

/** What a composition root or a test may set over the environment (the metrics settings one by one). */
export type ConfigOverrides = Partial<Omit<HubConfig, 'metrics'>> & { metrics?: Partial<MetricsConfig> };

export function loadConfig(env: NodeJS.ProcessEnv = process.env, { metrics: metricsOverrides, ...overrides }: ConfigOverrides = {}): HubConfig {
  const distributed = Boolean(env.KAFKA_BROKERS && env.DATABASE_URL);
  const mode = overrides.mode ?? (distributed ? 'distributed' : 'embedded');
  const config: HubConfig = {
    mode,
    kafka: {
      brokers: (env.KAFKA_BROKERS ?? '')
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean),
      clientId: env.KAFKA_CLIENT_ID ?? 'pdp-hub',
      partitions: Number(env.TOPIC_PARTITIONS ?? 6),
      namespace: env.TOPIC_NAMESPACE ?? '',
      // Batches handled at once (libs/bus BatchPipeline): by default one per partition, at most
      // two per core plus two. A batch's Node work overlaps others' database and broker waits.
      // On 2 cores shared with PostgreSQL and the broker (docs/journal/round-08.md, 500 k notifications,
      // interleaved): 6 at once 32,202–34,775 msg/s, 4 at once 30,351–31,776, 3 at once
      // 28,500–32,880, 2 at once 27,159–30,679; the normalizer's peak RSS in a backlog 470–500 MB
      // against 390–440. (Before the pipeline, kafkajs's fetch barrier made 6 contend.)
      partitionsConsumedConcurrently: Number(env.KAFKA_PARTITIONS_CONCURRENTLY ?? Math.min(Number(env.TOPIC_PARTITIONS ?? 6), 2 * availableParallelism() + 2)),
      // Let the broker gather up to this much (or wait this long) per fetch: bigger batches,
      // fewer transactions under load, bounded extra latency when quiet.
      fetchMinBytes: Number(env.KAFKA_FETCH_MIN_BYTES ?? 1),
      fetchMaxWaitMs: Number(env.KAFKA_FETCH_MAX_WAIT_MS ?? 100),
      // The most one partition's batch holds: a backlog drains in batches this big, and the
      // database's cost per message falls with the batch (one statement per step per batch).
      // Up to 4 MiB per partition and fetch: with batches handled apart from the fetch loop, bigger
      // batches cost fewer statements and produce requests per message (docs/journal/round-08.md,
      // interleaved 500 k drains: 29,457–31,540 msg/s against 26,435–29,883 with 2 MiB; the
      // normalizer's peak RSS in a backlog 518–595 MB against 448–474; at 1,000 msg/s batches
      // are small and this changes nothing).
      fetchMaxBytesPerPartition: Number(env.KAFKA_FETCH_MAX_BYTES_PER_PARTITION ?? 4 * 1024 * 1024),
      // How often handled offsets are committed (0: after every batch).
      commitIntervalMs: Number(env.KAFKA_COMMIT_INTERVAL_MS ?? 250),
      sessionTimeoutMs: Number(env.KAFKA_SESSION_TIMEOUT_MS ?? 30000),
      ...kafkaSecurity(env),
    },
    databaseUrl: env.DATABASE_URL || undefined,
    embeddedDataDir: env.EMBEDDED_DATA_DIR || undefined,
    http: { port: Number(env.PORT ?? 3000), host: env.HOST ?? '127.0.0.1', maxInFlightIntakes: Number(env.HTTP_MAX_IN_FLIGHT_INTAKES ?? 256) },
    ...(env.PROBE_PORT ? { probePort: Number(env.PROBE_PORT) } : {}),
    log: { level: (env.LOG_LEVEL ?? 'info') as LogLevel, ...(env.LOG_FILE ? { file: env.LOG_FILE } : {}) },
    pseudonymKey: env.PSEUDONYM_KEY ?? (mode === 'embedded' ? DEMO_PSEUDONYM_KEY : ''),
    pseudonymRotations: (env.PSEUDONYM_KEY_ROTATIONS ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean),
    adminApiKey: env.ADMIN_API_KEY ?? (mode === 'embedded' ? DEMO_ADMIN_KEY : ''),
    access: {
      apiKeysEnabled: (env.API_KEYS_ENABLED ?? (mode === 'embedded' ? 'true' : 'false')) === 'true',
      ...(env.TOKEN_SIGNING_KEY || env.TOKEN_SIGNING_KEY_FILE ? { tokenSigningKey: env.TOKEN_SIGNING_KEY || readSetting(env, 'TOKEN_SIGNING_KEY_FILE') } : {}),
      tokenKeyId: env.TOKEN_KEY_ID ?? 'hub-1',
      tokenIssuer: env.TOKEN_ISSUER ?? 'urn:pdp-hub',
      tokenTtlSeconds: Number(env.TOKEN_TTL_SECONDS ?? 300),
      ...(env.ACCOUNTS_FILE ? { accountsFile: { path: env.ACCOUNTS_FILE, secrets: accountSecrets(env.ACCOUNTS_FILE, env) } } : {}),
      allowPrivatePartnerUrls: (env.PARTNER_URLS_ALLOW_PRIVATE ?? 'false') === 'true',
    },
    ...(env.HTTPS_CERT_FILE || env.HTTPS_KEY_FILE
      ? {
          https: {
            cert: readSetting(env, 'HTTPS_CERT_FILE'),
            key: readSetting(env, 'HTTPS_KEY_FILE'),
            ...(env.HTTPS_CLIENT_CA_FILE ? { clientCa: readSetting(env, 'HTTPS_CLIENT_CA_FILE') } : {}),
          },
        }
      : {}),
    transitionalPhase: (env.TRANSITIONAL_PHASE ?? 'false') === 'true',
    demoData: (env.DEMO_DATA ?? (mode === 'embedded' ? 'true' : 'false')) === 'true',
    // One per core, at most four: the consuming thread was the bottleneck with one (docs/journal/round-12.md). Each thread holds its own heap and database pool (~40 MB and up to 10
    // connections).
    normalizerThreads: Number(env.NORMALIZER_THREADS ?? (mode === 'embedded' ? 0 : Math.min(4, availableParallelism()))),
    // Three attempts, 200 ms then 400 ms apart: a failure that may pass (a key raced by another
    // batch) is retried; a message the database refuses is dead-lettered within a second.
    consumers: { maxAttempts: Number(env.CONSUMER_MAX_ATTEMPTS ?? 3), retryBackoffMs: Number(env.CONSUMER_RETRY_BACKOFF_MS ?? 200) },
    metrics: {
      maskThreshold: Number(env.METRICS_MASK_THRESHOLD || DEFAULT_METRICS_CONFIG.maskThreshold),
      dedupGapDays: Number(env.METRICS_DEDUP_GAP_DAYS || DEFAULT_METRICS_CONFIG.dedupGapDays),
      followUpGraceDays: Number(env.FOLLOW_UP_GRACE_DAYS || DEFAULT_METRICS_CONFIG.followUpGraceDays),
      publishIntervalMs: Number(env.METRICS_PUBLISH_INTERVAL_MS || DEFAULT_METRICS_CONFIG.publishIntervalMs),
      ...metricsOverrides,
    },
    ...(env.ROUTING_RULES_FILE ? { routingRulesFile: env.ROUTING_RULES_FILE } : {}),
    ...(env.PARTNERS_FILE ? { partnersFile: { path: env.PARTNERS_FILE, apiKeys: partnerApiKeys(env.PARTNERS_FILE, env) } } : {}),
    telemetry: { tracesExporter: tracesExporter(env) },
    identityKeys: identityKeys(env, mode),
    retention: { deadLetterDays: Number(env.RETENTION_DEAD_LETTER_DAYS ?? 30), personDays: Number(env.RETENTION_PERSON_DAYS ?? 1095) },
    fhirRetry: { baseMs: Number(env.FHIR_RETRY_BASE_MS ?? 10_000), maxMs: Number(env.FHIR_RETRY_MAX_MS ?? 3_600_000), maxAttempts: Number(env.FHIR_RETRY_MAX_ATTEMPTS ?? 24) },
    webhooks: {
      pollMs: Number(env.WEBHOOK_POLL_MS ?? 500),
      timeoutMs: Number(env.WEBHOOK_TIMEOUT_MS ?? 10_000),
      baseMs: Number(env.WEBHOOK_RETRY_BASE_MS ?? 5_000),
      maxMs: Number(env.WEBHOOK_RETRY_MAX_MS ?? 3_600_000),
      maxAttempts: Number(env.WEBHOOK_MAX_ATTEMPTS ?? 15),
    },
    ...overrides,
  };
  const validate = new Ajv({ allErrors: true }).compile(schema);
  const problems: string[] = validate(config) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
  if (config.mode === 'distributed' && config.kafka.brokers.length === 0) problems.push('KAFKA_BROKERS is required in distributed mode');
  if (config.mode === 'distributed' && !config.databaseUrl) problems.push('DATABASE_URL is required in distributed mode');
  if (config.mode === 'embedded' && config.normalizerThreads > 0) problems.push('NORMALIZER_THREADS needs the distributed mode (the embedded database lives in one thread)');
  // Half a distributed configuration is a mistake, not a wish for the embedded demo: starting
  // on an in-memory database with demo keys would accept messages and lose them.
  if (!overrides.mode && Boolean(env.KAFKA_BROKERS) !== Boolean(env.DATABASE_URL))
    problems.push(`${env.KAFKA_BROKERS ? 'DATABASE_URL' : 'KAFKA_BROKERS'} is missing: set both KAFKA_BROKERS and DATABASE_URL for the distributed mode, or neither for the embedded demo`);
  if (new Set([config.pseudonymKey, ...config.pseudonymRotations]).size !== 1 + config.pseudonymRotations.length)
    problems.push('PSEUDONYM_KEY_ROTATIONS repeats a pseudonymisation key: each rotation adds a new one');
  if (config.mode === 'distributed') {
    if (config.pseudonymKey === DEMO_PSEUDONYM_KEY) problems.push('PSEUDONYM_KEY is the embedded demo key: the distributed mode needs its own secret');
    if (config.adminApiKey === DEMO_ADMIN_KEY) problems.push('ADMIN_API_KEY is the embedded demo key: the distributed mode needs its own secret');
    if (config.adminApiKey && !config.access.apiKeysEnabled)
      problems.push('ADMIN_API_KEY is a shared key: name the operators in ACCOUNTS_FILE (OAuth2 client credentials), or enable API keys for a test configuration');
    if (config.demoData) problems.push('DEMO_DATA is for the embedded demo only');
    if (Object.keys(config.identityKeys.keys).length === 0) problems.push('IDENTITY_KEYS is required in distributed mode (keyId:base64 of 32 random bytes)');
    if (Object.values(config.identityKeys.keys).includes(DEMO_IDENTITY_KEY)) problems.push('IDENTITY_KEYS holds the embedded demo key: the distributed mode needs its own keys');
  }
  if (config.identityKeys.activeKeyId && !(config.identityKeys.activeKeyId in config.identityKeys.keys))
    problems.push(`IDENTITY_ACTIVE_KEY_ID ${config.identityKeys.activeKeyId} is not among IDENTITY_KEYS`);
  if (config.adminApiKey && config.adminApiKey.length < 12) problems.push('ADMIN_API_KEY must have at least 12 characters');
  if (env.HTTPS_CLIENT_CA_FILE && !config.https) problems.push('HTTPS_CLIENT_CA_FILE needs HTTPS_CERT_FILE and HTTPS_KEY_FILE');
  if (problems.length) throw new Error(`Invalid configuration: ${problems.join('; ')}`);
  return config;
}

/** A setting given as a file: read at start-up, so a missing file stops the start with its name. */
function readSetting(env: NodeJS.ProcessEnv, name: string): string {
  const path = env[name];
  if (!path) throw new Error(`Invalid configuration: ${name} is required here`);
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`Invalid configuration: ${name} ${path} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
}

/** The secrets an accounts file names (secretEnv), read here like every other setting; the file never holds them. */
function accountSecrets(file: string, env: NodeJS.ProcessEnv): Record<string, string> {
  let parsed: { accounts?: { secretEnv?: unknown }[] };
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`Invalid configuration: ACCOUNTS_FILE ${file} cannot be read: ${(e as Error).message}`, { cause: e });
  }
  const secrets: Record<string, string> = {};
  for (const a of Array.isArray(parsed?.accounts) ? parsed.accounts : []) {
    const name = a?.secretEnv;
    if (typeof name === 'string' && env[name]) secrets[name] = env[name]!;
  }
  return secrets;
}

/**
 * The settings of a command that only reads the database (`npm run audit:verify`): DATABASE_URL,
 * checked as loadConfig checks it. No broker and no secret: such a command neither consumes nor
 * pseudonymises.
 */
export function loadDatabaseConfig(env: NodeJS.ProcessEnv = process.env): { databaseUrl: string } {
  const databaseUrl = env.DATABASE_URL || undefined;
  if (!databaseUrl) throw new Error('Invalid configuration: DATABASE_URL is required');
  if (!new RegExp(schema.properties.databaseUrl.pattern).test(databaseUrl)) throw new Error(`Invalid configuration: DATABASE_URL must match ${schema.properties.databaseUrl.pattern}`);
  return { databaseUrl };
}

/**
 * What the pseudonym re-key needs (`npm run pseudonyms:rekey`): the database, the whole key chain
 * and the identity keys (the identities are sealed again under their new pseudonyms). Nothing
 * falls back to a demo key: a re-key under a wrong chain would split every person in two.
 */
export function loadRekeyConfig(env: NodeJS.ProcessEnv = process.env): Pick<HubConfig, 'pseudonymKey' | 'pseudonymRotations' | 'identityKeys'> & { databaseUrl: string } {
  const { databaseUrl } = loadDatabaseConfig(env);
  const pseudonymKey = env.PSEUDONYM_KEY ?? '';
  const pseudonymRotations = (env.PSEUDONYM_KEY_ROTATIONS ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  const keys = identityKeys(env, 'distributed');
  const problems: string[] = [];
  if (pseudonymKey.length < 16) problems.push('PSEUDONYM_KEY is required (16 characters or more)');
  if (pseudonymRotations.length === 0) problems.push('PSEUDONYM_KEY_ROTATIONS is required: the keys added since PSEUDONYM_KEY, oldest first');
  if (pseudonymRotations.some((k) => k.length < 16)) problems.push('every key of PSEUDONYM_KEY_ROTATIONS has 16 characters or more');
  if (new Set([pseudonymKey, ...pseudonymRotations]).size !== 1 + pseudonymRotations.length) problems.push('PSEUDONYM_KEY_ROTATIONS repeats a pseudonymisation key');
  if (Object.keys(keys.keys).length === 0) problems.push('IDENTITY_KEYS is required (keyId:base64 of 32 random bytes)');
  if (problems.length) throw new Error(`Invalid configuration: ${problems.join('; ')}`);
  return { databaseUrl, pseudonymKey, pseudonymRotations, identityKeys: keys };
}

/**
 * The API keys a partner directory file names (apiKeyEnv): the file never holds them. The file
 * itself is validated against partner-directory/1 when it is loaded; a missing variable is
 * reported there, with the partner it belongs to.
 */
function partnerApiKeys(file: string, env: NodeJS.ProcessEnv): Record<string, string> {
  let parsed: { partners?: { apiKeyEnv?: unknown }[] };
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`Invalid configuration: PARTNERS_FILE ${file} cannot be read: ${(e as Error).message}`, { cause: e });
  }
  const keys: Record<string, string> = {};
  for (const p of Array.isArray(parsed?.partners) ? parsed.partners : []) {
    const name = p?.apiKeyEnv;
    if (typeof name === 'string' && env[name]) keys[name] = env[name]!;
  }
  return keys;
}

/**
 * The brokers' TLS and SASL settings (docs/operations.md, "Kafka security"). Files are read here,
 * once, so a missing certificate stops the start-up rather than the first connection; half a
 * configuration is refused: a certificate without KAFKA_SSL, a mechanism without credentials, or
 * a password sent in clear (PLAIN without TLS).
 */
function kafkaSecurity(env: NodeJS.ProcessEnv): Pick<HubConfig['kafka'], 'ssl' | 'sasl'> {
  const problems: string[] = [];
  const file = (name: string): string | undefined => {
    const path = env[name];
    if (!path) return undefined;
    try {
      return readFileSync(path, 'utf8');
    } catch (e) {
      problems.push(`${name} ${path} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      return undefined;
    }
  };
  const sslFlag = (env.KAFKA_SSL ?? 'false').toLowerCase();
  if (!['true', 'false'].includes(sslFlag)) problems.push('KAFKA_SSL must be true or false');
  const useSsl = sslFlag === 'true';
  const [ca, cert, key] = [file('KAFKA_SSL_CA_FILE'), file('KAFKA_SSL_CERT_FILE'), file('KAFKA_SSL_KEY_FILE')];
  const sslFiles = ['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE'].filter((n) => env[n]);
  if (!useSsl && sslFiles.length) problems.push(`${sslFiles.join(', ')} given without KAFKA_SSL=true`);
  if (Boolean(env.KAFKA_SSL_CERT_FILE) !== Boolean(env.KAFKA_SSL_KEY_FILE)) problems.push('KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together (the client certificate and its key)');

  const mechanism = env.KAFKA_SASL_MECHANISM?.toLowerCase();
  const username = env.KAFKA_SASL_USERNAME;
  const password = env.KAFKA_SASL_PASSWORD_FILE ? file('KAFKA_SASL_PASSWORD_FILE')?.replace(/\r?\n$/, '') : env.KAFKA_SASL_PASSWORD;
  let sasl: HubConfig['kafka']['sasl'];
  if (mechanism) {
    if (!KAFKA_SASL_MECHANISMS.includes(mechanism as KafkaSaslMechanism)) problems.push(`KAFKA_SASL_MECHANISM must be one of ${KAFKA_SASL_MECHANISMS.join(', ')}`);
    else if (!username || !password) problems.push('KAFKA_SASL_MECHANISM needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE)');
    else if (mechanism === 'plain' && !useSsl) problems.push('KAFKA_SASL_MECHANISM=plain sends the password in clear: it needs KAFKA_SSL=true');
    else sasl = { mechanism: mechanism as KafkaSaslMechanism, username, password };
  } else if (username || env.KAFKA_SASL_PASSWORD || env.KAFKA_SASL_PASSWORD_FILE) {
    problems.push('KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD given without KAFKA_SASL_MECHANISM');
  }
  if (env.KAFKA_SASL_PASSWORD && env.KAFKA_SASL_PASSWORD_FILE) problems.push('KAFKA_SASL_PASSWORD and KAFKA_SASL_PASSWORD_FILE are exclusive');
  if (problems.length) throw new Error(`Invalid configuration: ${problems.join('; ')}`);
  return {
    ...(useSsl ? { ssl: { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) } } : {}),
    ...(sasl ? { sasl } : {}),
  };
}

/** The standard OpenTelemetry variables: OTEL_TRACES_EXPORTER, or OTLP when an endpoint is given. */
function tracesExporter(env: NodeJS.ProcessEnv): string | undefined {
  const exporter = env.OTEL_TRACES_EXPORTER ?? (env.OTEL_EXPORTER_OTLP_ENDPOINT ? 'otlp' : undefined);
  return exporter && exporter !== 'none' ? exporter : undefined;
}

/**
 * IDENTITY_KEYS: `keyId:base64` pairs (32-byte keys), comma-separated; IDENTITY_ACTIVE_KEY_ID names
 * the one new records are sealed with (the first by default). Required in distributed mode; the
 * embedded demo has a demo key.
 */
function identityKeys(env: NodeJS.ProcessEnv, mode: HubConfig['mode']): HubConfig['identityKeys'] {
  const keys: Record<string, string> = {};
  for (const pair of (env.IDENTITY_KEYS ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const at = pair.indexOf(':');
    keys[at > 0 ? pair.slice(0, at) : ''] = at > 0 ? pair.slice(at + 1) : pair;
  }
  if (Object.keys(keys).length === 0 && mode === 'embedded') keys['demo'] = DEMO_IDENTITY_KEY;
  return { activeKeyId: env.IDENTITY_ACTIVE_KEY_ID ?? Object.keys(keys)[0] ?? '', keys };
}
