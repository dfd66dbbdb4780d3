import 'reflect-metadata';
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Kafka, logLevel, Producer } from 'kafkajs';
import { randomBytes } from 'crypto';
import { loadConfig, MetricsConfig } from '@pdp/config';
import { ConsumerGroups, connectWorker, METRICS_TRANSPORT, NORMALIZER_TRANSPORT, startWorker } from '@pdp/bus';
import { Database, DATABASE } from '@pdp/db';
import { configureHttp } from '@pdp/http';
import { PartnerRegistry } from '@pdp/partners';
import { OUTCOME_SERVICES, OutcomeServices } from '@pdp/outcomes';
import { NormalizerAppModule } from '../../apps/normalizer/src/normalizer.module';
import { MetricsAppModule } from '../../apps/metrics/src/metrics.module';
import { createTestDatabase } from './postgres';
import { readWholeTopic, testLogs } from './harness';

export const METRICS_ADMIN_KEY = 'e2e-admin-key-0123456789';
export const METRICS_PSEUDONYM_KEY = 'e2e-pseudonym-key-0123456789abcdef';

/** The metrics app (HTTP + outcome consumer) and the normalizer, on the real Kafka and a fresh PostgreSQL database. */
export interface MetricsUnderTest {
  http: INestApplication;
  /** The metrics app's database, partner registry and outcome services (for assertions). */
  db: Database;
  partners: PartnerRegistry;
  outcomes: OutcomeServices;
  /** Sends messages to a topic of this run (namespaced), in batches. */
  send(topic: string, messages: { key: string; value: string }[]): Promise<void>;
  /** Every record of a topic of this run, from the beginning to its current end. */
  readTopic(topic: string): Promise<{ key: string | null; value: string }[]>;
  close(): Promise<void>;
}

export async function startMetricsStack(metrics: Partial<MetricsConfig> = {}): Promise<MetricsUnderTest> {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: the e2e global setup starts a broker');
  const database = await createTestDatabase();
  const namespace = `e2e-${randomBytes(4).toString('hex')}.`;
  const env = {
    KAFKA_BROKERS: brokers,
    DATABASE_URL: database.url,
    ADMIN_API_KEY: METRICS_ADMIN_KEY,
    API_KEYS_ENABLED: 'true',
    ...testLogs(),
    PSEUDONYM_KEY: METRICS_PSEUDONYM_KEY,
    IDENTITY_KEYS: 'e2e:BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=',
    TOPIC_NAMESPACE: namespace,
    TOPIC_PARTITIONS: '3',
  };
  const config = (app: string, m: Partial<MetricsConfig> = {}) => loadConfig({ ...env, KAFKA_CLIENT_ID: `pdp-${app}` }, { mode: 'distributed', metrics: m });

  const app = await NestFactory.create(MetricsAppModule.forRoot(config('metrics', { publishIntervalMs: 0, ...metrics })), { bodyParser: false, logger: ['error', 'warn'] });
  configureHttp(app);
  connectWorker(app, ConsumerGroups.metrics, METRICS_TRANSPORT);
  await app.startAllMicroservices();
  await app.init();

  const normalizer = await startWorker(NormalizerAppModule.forRoot(config('normalizer')), ConsumerGroups.normalizer, NORMALIZER_TRANSPORT);

  const kafka = new Kafka({ clientId: 'e2e-metrics-probe', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const producer: Producer = kafka.producer();
  await producer.connect();
  return {
    http: app,
    db: app.get(DATABASE),
    partners: app.get(PartnerRegistry),
    outcomes: app.get(OUTCOME_SERVICES),
    readTopic: (topic) => readTopic(kafka, namespace + topic),
    send: async (topic, messages) => {
      for (let i = 0; i < messages.length; i += 2000) await producer.send({ topic: namespace + topic, messages: messages.slice(i, i + 2000) });
    },
    close: async () => {
      await producer.disconnect();
      await normalizer.close();
      await app.close();
      await database.drop();
    },
  };
}

async function readTopic(kafka: Kafka, topic: string): Promise<{ key: string | null; value: string }[]> {
  return (await readWholeTopic(kafka, topic)).map((r) => ({ key: r.key, value: r.value.toString() }));
}
