/** Jest globalTeardown for the e2e project: stops the broker started by e2e-global-setup.ts (no-op for an external KAFKA_BROKERS). */
import type { KafkaHandle } from './kafka-broker';

export default async function teardown(): Promise<void> {
  const kafka = (globalThis as { __PDP_HUB_KAFKA__?: KafkaHandle }).__PDP_HUB_KAFKA__;
  globalThis.__PDP_HUB_KAFKA__ = undefined;
  if (kafka) await kafka.stop();
}
