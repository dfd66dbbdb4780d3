/**
 * Jest globalSetup for the e2e project: provides a Kafka broker (a real local
 * KRaft broker, or the cluster in KAFKA_BROKERS) and exposes it to the tests
 * through process.env.KAFKA_BROKERS (workers inherit the parent's env).
 * The stop handle is kept on globalThis for e2e-global-teardown.ts.
 */
import { ensureKafka, type KafkaHandle } from './kafka-broker';

declare global {
  var __PDP_HUB_KAFKA__: KafkaHandle | undefined;
}

export default async function setup(): Promise<void> {
  const started = Date.now();
  const kafka = await ensureKafka();
  globalThis.__PDP_HUB_KAFKA__ = kafka;
  process.env.KAFKA_BROKERS = kafka.brokers.join(',');
  if (process.env.KAFKA_E2E_VERBOSE) {
    console.log(`\n[e2e] Kafka ready at ${process.env.KAFKA_BROKERS} in ${Date.now() - started} ms`);
  }
}
