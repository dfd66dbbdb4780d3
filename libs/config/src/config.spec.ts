import { mkdtempSync, writeFileSync } from 'fs';
import { availableParallelism, tmpdir } from 'os';
import { join } from 'path';
import { loadConfig, loadDatabaseConfig } from './config';

describe('loadConfig', () => {
  it('defaults to the embedded mode with demo secrets', () => {
    const c = loadConfig({});
    expect(c.mode).toBe('embedded');
    expect(c.demoData).toBe(true);
  });
  it('switches to distributed with Kafka and PostgreSQL and then requires real secrets', () => {
    const env = { KAFKA_BROKERS: '127.0.0.1:9092', DATABASE_URL: 'postgres://localhost/x' };
    expect(() => loadConfig(env)).toThrow(/pseudonymKey/);
    const c = loadConfig({ ...env, PSEUDONYM_KEY: 'k'.repeat(32), API_KEYS_ENABLED: 'true', ADMIN_API_KEY: 'a'.repeat(20), IDENTITY_KEYS: 'k1:' + Buffer.alloc(32, 1).toString('base64') });
    expect(c.mode).toBe('distributed');
    expect(c.kafka.brokers).toEqual(['127.0.0.1:9092']);
  });
  it('handles two batches per core plus two at once unless told otherwise, never more than there are partitions', () => {
    expect(loadConfig({ TOPIC_PARTITIONS: '64' }).kafka.partitionsConsumedConcurrently).toBe(Math.min(64, 2 * availableParallelism() + 2));
    expect(loadConfig({ TOPIC_PARTITIONS: '1' }).kafka.partitionsConsumedConcurrently).toBe(1);
    expect(loadConfig({ TOPIC_PARTITIONS: '6', KAFKA_PARTITIONS_CONCURRENTLY: '2' }).kafka.partitionsConsumedConcurrently).toBe(2);
  });
  it("hands the normalizer's batches to one thread per core (at most four) in distributed mode only", () => {
    const env = {
      KAFKA_BROKERS: '127.0.0.1:9092',
      DATABASE_URL: 'postgres://localhost/x',
      PSEUDONYM_KEY: 'k'.repeat(32),
      API_KEYS_ENABLED: 'true',
      ADMIN_API_KEY: 'a'.repeat(20),
      IDENTITY_KEYS: 'k1:' + Buffer.alloc(32, 1).toString('base64'),
    };
    expect(loadConfig(env).normalizerThreads).toBe(Math.min(4, availableParallelism()));
    expect(loadConfig({ ...env, NORMALIZER_THREADS: '0' }).normalizerThreads).toBe(0);
    expect(loadConfig({}).normalizerThreads).toBe(0);
    expect(() => loadConfig({ NORMALIZER_THREADS: '2' })).toThrow(/NORMALIZER_THREADS needs the distributed mode/);
    expect(() => loadConfig({ ...env, NORMALIZER_THREADS: '-1' })).toThrow(/normalizerThreads/);
  });
  it('refuses the demo secrets and data in distributed mode, and half a distributed configuration', () => {
    const env = {
      KAFKA_BROKERS: '127.0.0.1:9092',
      DATABASE_URL: 'postgres://localhost/x',
      PSEUDONYM_KEY: 'k'.repeat(32),
      API_KEYS_ENABLED: 'true',
      ADMIN_API_KEY: 'a'.repeat(20),
      IDENTITY_KEYS: 'k1:' + Buffer.alloc(32, 1).toString('base64'),
    };
    expect(() => loadConfig({ ...env, ADMIN_API_KEY: 'demo-admin-key' })).toThrow(/ADMIN_API_KEY is the embedded demo key/);
    expect(() => loadConfig({ ...env, PSEUDONYM_KEY: 'embedded-demo-pseudonym-key-not-for-production' })).toThrow(/PSEUDONYM_KEY is the embedded demo key/);
    expect(() => loadConfig({ ...env, DEMO_DATA: 'true' })).toThrow(/DEMO_DATA is for the embedded demo only/);
    // The pseudonymisation key's rotations: the keys added since, oldest first, each new.
    expect(loadConfig({ ...env, PSEUDONYM_KEY_ROTATIONS: ` ${'r'.repeat(20)}, ${'s'.repeat(20)} ` }).pseudonymRotations).toEqual(['r'.repeat(20), 's'.repeat(20)]);
    expect(loadConfig(env).pseudonymRotations).toEqual([]);
    expect(() => loadConfig({ ...env, PSEUDONYM_KEY_ROTATIONS: 'k'.repeat(32) })).toThrow(/repeats a pseudonymisation key/);
    expect(() => loadConfig({ ...env, PSEUDONYM_KEY_ROTATIONS: 'short' })).toThrow(/pseudonymRotations/);
    expect(() => loadConfig({ DATABASE_URL: 'postgres://localhost/x' })).toThrow(/KAFKA_BROKERS is missing/);
    expect(() => loadConfig({ KAFKA_BROKERS: '127.0.0.1:9092' })).toThrow(/DATABASE_URL is missing/);
    expect(loadConfig({}).mode).toBe('embedded');
  });
  it('hides counts from 1 to 10 by default (the health-data norm), configurable', () => {
    expect(loadConfig({}).metrics.maskThreshold).toBe(11);
    expect(loadConfig({ METRICS_MASK_THRESHOLD: '5' }).metrics.maskThreshold).toBe(5);
    expect(() => loadConfig({ METRICS_MASK_THRESHOLD: '0' })).toThrow(/maskThreshold/);
  });
  it('tries a failing batch three times, 200 ms then 400 ms apart, before dead-lettering what fails alone, unless told otherwise', () => {
    expect(loadConfig({}).consumers).toEqual({ maxAttempts: 3, retryBackoffMs: 200 });
    expect(loadConfig({ CONSUMER_MAX_ATTEMPTS: '5', CONSUMER_RETRY_BACKOFF_MS: '0' }).consumers).toEqual({ maxAttempts: 5, retryBackoffMs: 0 });
    expect(() => loadConfig({ CONSUMER_MAX_ATTEMPTS: '0' })).toThrow(/maxAttempts/);
    expect(() => loadConfig({ CONSUMER_RETRY_BACKOFF_MS: 'soon' })).toThrow(/retryBackoffMs/);
  });

  it('reads the Kafka TLS and SASL settings, files included, and refuses half of them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kafka-security-'));
    const ca = join(dir, 'ca.pem');
    const pw = join(dir, 'password');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n');
    writeFileSync(pw, 's3cret\n');
    expect(loadConfig({}).kafka).not.toHaveProperty('ssl');
    expect(loadConfig({}).kafka).not.toHaveProperty('sasl');
    const c = loadConfig({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: ca, KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', KAFKA_SASL_USERNAME: 'hub', KAFKA_SASL_PASSWORD_FILE: pw });
    expect(c.kafka.ssl).toEqual({ ca: expect.stringContaining('BEGIN CERTIFICATE') });
    expect(c.kafka.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'hub', password: 's3cret' });
    expect(loadConfig({ KAFKA_SSL: 'true' }).kafka.ssl).toEqual({});
    expect(() => loadConfig({ KAFKA_SSL_CA_FILE: ca })).toThrow(/KAFKA_SSL_CA_FILE given without KAFKA_SSL=true/);
    expect(() => loadConfig({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: join(dir, 'absent.pem') })).toThrow(/KAFKA_SSL_CA_FILE .* cannot be read: ENOENT/);
    expect(() => loadConfig({ KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: ca })).toThrow(/KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together/);
    expect(() => loadConfig({ KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: 'hub' })).toThrow(/needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD/);
    expect(() => loadConfig({ KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SASL_USERNAME: 'hub', KAFKA_SASL_PASSWORD: 'x' })).toThrow(/must be one of plain, scram-sha-256, scram-sha-512/);
    expect(() => loadConfig({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'hub', KAFKA_SASL_PASSWORD: 'x' })).toThrow(/sends the password in clear/);
    expect(() => loadConfig({ KAFKA_SASL_USERNAME: 'hub', KAFKA_SASL_PASSWORD: 'x' })).toThrow(/without KAFKA_SASL_MECHANISM/);
    // The password never appears in what is reported.
    try {
      loadConfig({ KAFKA_SSL: 'maybe', KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: 'hub', KAFKA_SASL_PASSWORD: 'topsecret-value' });
      throw new Error('accepted');
    } catch (e) {
      expect(String(e)).toMatch(/KAFKA_SSL must be true or false/);
      expect(String(e)).not.toContain('topsecret-value');
    }
  });
  it('takes API keys in the embedded demo only, and no shared admin key in distributed mode', () => {
    const env = { KAFKA_BROKERS: '127.0.0.1:9092', DATABASE_URL: 'postgres://localhost/x', PSEUDONYM_KEY: 'k'.repeat(32), IDENTITY_KEYS: 'k1:' + Buffer.alloc(32, 1).toString('base64') };
    expect(loadConfig({}).access.apiKeysEnabled).toBe(true);
    expect(loadConfig(env).access.apiKeysEnabled).toBe(false);
    expect(() => loadConfig({ ...env, ADMIN_API_KEY: 'a'.repeat(20) })).toThrow(/ADMIN_API_KEY is a shared key/);
    expect(loadConfig({ ...env, API_KEYS_ENABLED: 'true', ADMIN_API_KEY: 'a'.repeat(20) }).access.apiKeysEnabled).toBe(true);
    expect(() => loadConfig({ ADMIN_API_KEY: 'short' })).toThrow(/at least 12 characters/);
    expect(loadConfig({}).access).toMatchObject({ tokenTtlSeconds: 300, tokenKeyId: 'hub-1', allowPrivatePartnerUrls: false });
    expect(() => loadConfig({ TOKEN_TTL_SECONDS: '5' })).toThrow(/tokenTtlSeconds/);
    expect(() => loadConfig({ HTTPS_CERT_FILE: '/nonexistent/cert.pem', HTTPS_KEY_FILE: '/nonexistent/key.pem' })).toThrow(/HTTPS_CERT_FILE .* cannot be read/);
  });
  it('rejects malformed values', () => {
    expect(() => loadConfig({ TOPIC_PARTITIONS: '0' })).toThrow(/partitions/);
  });
});

describe('loadDatabaseConfig', () => {
  it('needs DATABASE_URL alone, checked as loadConfig checks it', () => {
    expect(loadDatabaseConfig({ DATABASE_URL: 'postgres://app@db:5432/pdp' })).toEqual({ databaseUrl: 'postgres://app@db:5432/pdp' });
    expect(() => loadDatabaseConfig({})).toThrow('Invalid configuration: DATABASE_URL is required');
    expect(() => loadDatabaseConfig({ DATABASE_URL: 'mysql://db/pdp' })).toThrow(/DATABASE_URL must match/);
  });
});
