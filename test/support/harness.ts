import 'reflect-metadata';
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Kafka, logLevel } from 'kafkajs';
import { randomBytes } from 'crypto';
import { ConfigOverrides, HubConfig, loadConfig } from '@pdp/config';
import { ConsumerGroups, InMemoryBus, kafkaSecurity, METRICS_TRANSPORT, NORMALIZER_TRANSPORT, ROUTER_TRANSPORT, SIGNALEMENTS_TRANSPORT, startWorker } from '@pdp/bus';
import { Database, DATABASE, PgliteDatabase } from '@pdp/db';
import { configureHttp } from '@pdp/http';
import { createHub } from '../../apps/hub/src/hub.module';
import { GatewayModule } from '../../apps/gateway/src/gateway.module';
import { NormalizerAppModule } from '../../apps/normalizer/src/normalizer.module';
import { RouterAppModule } from '../../apps/router/src/router.module';
import { SignalementsAppModule } from '../../apps/signalements/src/signalements.module';
import { MetricsAppModule } from '../../apps/metrics/src/metrics.module';
import request from 'supertest';
import { createTestDatabase } from './postgres';

export interface TopicRecord {
  key: string | null;
  value: Buffer;
  headers: Record<string, string>;
}

/** A running hub as the scenarios see it: its HTTP server, a way in over the bus, and its topics. */
export interface HubUnderTest {
  mode: 'embedded' | 'distributed';
  http: INestApplication;
  adminKey: string;
  /** The database behind the HTTP API (for assertions). */
  db: Database;
  publish(topic: string, key: string, value: Buffer | string): Promise<void>;
  /** Several messages in one produce request (on one partition when they share a key): they reach the consumer together, as one batch. */
  publishBatch(topic: string, messages: { key: string; value: Buffer | string }[]): Promise<void>;
  readTopic(topic: string): Promise<TopicRecord[]>;
  listTopics(): Promise<string[]>;
  close(): Promise<void>;
}

const ADMIN_KEY = 'e2e-admin-key-0123456789';
/** The tests' pseudonym key: a test computes the pseudonym of a NIR it sent. */
export const TEST_PSEUDONYM_KEY = 'e2e-pseudonym-key-0123456789abcdef';
const PSEUDONYM_KEY = TEST_PSEUDONYM_KEY;
export const TEST_IDENTITY_KEYS = 'e2e:BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=';
/**
 * A test configuration: partners and the admin authenticate with API keys (the scenarios register
 * them as the demo does), and partners' FHIR endpoints are the test's server on loopback. The
 * access tests turn both off (test/access.e2e-spec.ts).
 */
const TEST_ACCESS = { API_KEYS_ENABLED: 'true', PARTNER_URLS_ALLOW_PRIVATE: 'true' };
/** A FHIR copy whose endpoint failed is pushed again within a second or two (the defaults wait 10 s, then longer). */
const TEST_FHIR_RETRY = { FHIR_RETRY_BASE_MS: '200', FHIR_RETRY_MAX_MS: '2000' };
/** Webhooks looked for every 100 ms, a failed call made again within a second, parked after 4 calls. */
const TEST_WEBHOOKS = { WEBHOOK_POLL_MS: '100', WEBHOOK_RETRY_BASE_MS: '200', WEBHOOK_RETRY_MAX_MS: '1000', WEBHOOK_MAX_ATTEMPTS: '4', WEBHOOK_TIMEOUT_MS: '3000' };

/** Warnings and errors only, unless a test captures the logs to check them (LogCapture sets LOG_LEVEL). */
export const testLogs = () => ({ LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });

/** `npm start`'s mode: one process, PGlite, in-process bus. */
export async function startEmbeddedHub(overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = {}): Promise<HubUnderTest> {
  const config = loadConfig({ ADMIN_API_KEY: ADMIN_KEY, PSEUDONYM_KEY, DEMO_DATA: 'false', ...TEST_ACCESS, ...TEST_FHIR_RETRY, ...TEST_WEBHOOKS, ...testLogs(), ...env }, overrides);
  const bus = new InMemoryBus();
  const app = await createHub(config, { bus, db: new PgliteDatabase() });
  await app.init();
  return {
    mode: 'embedded',
    http: app,
    adminKey: ADMIN_KEY,
    db: app.get(DATABASE),
    publish: (topic, key, value) => bus.publish(topic, [{ key, value }]),
    publishBatch: (topic, messages) => bus.publish(topic, messages),
    readTopic: async (topic) => bus.messages(topic).map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
    listTopics: async () => bus.topics(),
    close: () => app.close(),
  };
}

/**
 * Production topology: gateway, normalizer, router and signalements as four Nest apps with
 * their own Kafka clients and PostgreSQL pools, on the real broker (KAFKA_BROKERS) and a fresh
 * database. `kafkaEnv` sets the apps' Kafka settings over the test broker's (another listener,
 * TLS, SASL).
 */
/**
 * `options.metrics`: the metrics service too (outcome reports over Kafka), which most scenarios do
 * not need. `options.database` and `options.namespace`: a database and topics a previous hub ran
 * on (a restart), left in place by close().
 */
export async function startDistributedHub(
  overrides: ConfigOverrides = {},
  kafkaEnv: NodeJS.ProcessEnv = {},
  options: { metrics?: boolean; database?: { url: string; drop: () => Promise<void> }; namespace?: string } = {},
): Promise<HubUnderTest> {
  const brokers = kafkaEnv.KAFKA_BROKERS ?? process.env.KAFKA_BROKERS;
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: the e2e global setup starts a broker');
  const database = options.database ?? (await createTestDatabase());
  const namespace = options.namespace ?? `e2e-${randomBytes(4).toString('hex')}.`;
  const env = {
    KAFKA_BROKERS: brokers,
    DATABASE_URL: database.url,
    ADMIN_API_KEY: ADMIN_KEY,
    PSEUDONYM_KEY,
    IDENTITY_KEYS: TEST_IDENTITY_KEYS,
    TOPIC_NAMESPACE: namespace,
    TOPIC_PARTITIONS: '3',
    ...TEST_ACCESS,
    ...TEST_FHIR_RETRY,
    ...TEST_WEBHOOKS,
    ...testLogs(),
    ...kafkaEnv,
  };
  const config = (app: string): HubConfig => loadConfig({ ...env, KAFKA_CLIENT_ID: `pdp-${app}` }, { mode: 'distributed', ...overrides });

  const gateway = await NestFactory.create(GatewayModule.forRoot(config('gateway')), { bodyParser: false, abortOnError: false });
  configureHttp(gateway);
  await gateway.init();

  const workers: INestApplication[] = [
    await startWorker(NormalizerAppModule.forRoot(config('normalizer')), ConsumerGroups.normalizer, NORMALIZER_TRANSPORT),
    await startWorker(RouterAppModule.forRoot(config('router')), ConsumerGroups.router, ROUTER_TRANSPORT),
    await startWorker(SignalementsAppModule.forRoot(config('signalements')), ConsumerGroups.signalements, SIGNALEMENTS_TRANSPORT),
    ...(options.metrics ? [await startWorker(MetricsAppModule.forRoot(config('metrics')), ConsumerGroups.metrics, METRICS_TRANSPORT)] : []),
  ];

  // The test's own client connects as the hub's do (TLS and SASL when kafkaEnv asks for them).
  const kafka = new Kafka({ clientId: 'e2e-probe', brokers: brokers.split(','), ...kafkaSecurity(config('probe').kafka), logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  return {
    mode: 'distributed',
    http: gateway,
    adminKey: ADMIN_KEY,
    db: gateway.get(DATABASE),
    publish: async (topic, key, value) => {
      await producer.send({ topic: namespace + topic, messages: [{ key, value }] });
    },
    publishBatch: async (topic, messages) => {
      await producer.send({ topic: namespace + topic, messages });
    },
    readTopic: (topic) => readWholeTopic(kafka, namespace + topic),
    listTopics: async () => {
      const admin = kafka.admin();
      await admin.connect();
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(namespace)).map((t) => t.slice(namespace.length));
      await admin.disconnect();
      return topics;
    },
    close: async () => {
      await producer.disconnect();
      for (const w of workers) await w.close();
      await gateway.close();
      if (!options.database) await database.drop();
    },
  };
}

/** Reads a topic from the beginning up to its current end offsets. */
export async function readWholeTopic(kafka: Kafka, topic: string): Promise<TopicRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  // A topic created a moment ago may not have its leaders known to every connection yet.
  const ends = await retryRetriable(() => admin.fetchTopicOffsets(topic)).finally(() => admin.disconnect());
  const remaining = new Map(ends.filter((e) => Number(e.high) > Number(e.low)).map((e) => [e.partition, Number(e.high)]));
  const records: TopicRecord[] = [];
  if (remaining.size === 0) return records;
  const consumer = kafka.consumer({ groupId: `e2e-reader-${randomBytes(4).toString('hex')}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out reading ${topic}`)), 30_000);
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        records.push({
          key: message.key?.toString() ?? null,
          value: message.value ?? Buffer.alloc(0),
          headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
        });
        if (Number(message.offset) + 1 >= (remaining.get(partition) ?? 0)) remaining.delete(partition);
        if (remaining.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return records;
}

async function retryRetriable<T>(fn: () => Promise<T>, attempts = 20): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (i >= attempts || !(e as { retriable?: boolean }).retriable) throw e;
      await new Promise((res) => setTimeout(res, 250));
    }
  }
}

/**
 * Polls until check() returns a value (not undefined/false), or fails with the last state.
 * A check that throws counts as "not yet" until the deadline, then its error is reported.
 */
export async function eventually<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const r = await check();
      if (r !== undefined && r !== false) return r;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    await new Promise((res) => setTimeout(res, 150));
  }
}

/** Registers an SPSTI of the Rhône (API key) and one employer's adhesion to it, as an operator does. */
export async function registerSpsti(hub: HubUnderTest, partnerId: string, siret: string): Promise<{ partnerId: string; apiKey: string }> {
  const http = () => request(hub.http.getHttpServer());
  const spsti = { partnerId, apiKey: `key-${partnerId}-0123456789` };
  await http()
    .post('/v1/partners')
    .set('X-Api-Key', hub.adminKey)
    .send({ ...spsti, category: 'spsti', name: `SPSTI ${partnerId}`, departements: ['69'] })
    .expect(201);
  await http()
    .post('/v1/directory/adhesions')
    .set('X-Api-Key', hub.adminKey)
    .set('Content-Type', 'text/csv')
    .send(`siret;spsti_id;valid_from;valid_to\n${siret};${partnerId};2020-01-01;\n`)
    .expect(201);
  return spsti;
}
