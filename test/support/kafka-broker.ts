/**
 * A real single-node Apache Kafka broker (KRaft) for e2e tests.
 *
 * - If KAFKA_BROKERS is set (e.g. "host1:9092,host2:9092"), that cluster is
 *   used as is and stop() is a no-op.
 * - Otherwise the broker jars are fetched once from Maven Central
 *   (deploy/kafka/fetch.sh) and a broker is started by deploy/kafka/kafka.sh
 *   on OS-assigned free ports, with a temporary data dir that stop() removes.
 *   The broker is tied to this process (KAFKA_OWNER_PID), so a crashed test
 *   run does not leak it.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { freePort, runScript } from './scripts';

export interface KafkaHandle {
  brokers: string[];
  stop: () => Promise<void>;
}

// The repository root, from sources (test/support) or compiled (dist/test/support, for the bench).
const ROOT = [resolve(__dirname, '..', '..'), resolve(__dirname, '..', '..', '..')].find((d) => existsSync(resolve(d, 'deploy', 'kafka', 'kafka.sh')))!;
const KAFKA_DIR = resolve(ROOT, 'deploy', 'kafka');
const KAFKA_SH = resolve(KAFKA_DIR, 'kafka.sh');
const FETCH_SH = resolve(KAFKA_DIR, 'fetch.sh');
const BROKER_JAR = resolve(KAFKA_DIR, 'lib', 'kafka_2.13-3.9.2.jar');

/** Client-side readiness: the broker must answer metadata and group-coordinator requests through kafkajs. */
async function waitForMetadata(brokers: string[], timeoutMs: number): Promise<void> {
  const kafka = new Kafka({
    clientId: 'pdp-hub-e2e-readiness',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    retry: { retries: 0 },
  });
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const admin = kafka.admin();
    try {
      await admin.connect();
      await admin.listTopics();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length > 0) {
        // FindCoordinator makes the broker create __consumer_offsets now, so the
        // first consumer group in a test does not hit "coordinator not available".
        await admin.describeGroups(['pdp-hub-e2e-warmup']);
        return;
      }
    } catch (error) {
      lastError = error;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Kafka at ${brokers.join(',')} did not serve metadata within ${timeoutMs} ms: ${String(lastError)}`);
}

export async function ensureKafka(): Promise<KafkaHandle> {
  const external = process.env.KAFKA_BROKERS?.trim();
  if (external) {
    return {
      brokers: external
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean),
      stop: async () => undefined,
    };
  }

  if (!existsSync(BROKER_JAR)) {
    await runScript(FETCH_SH, [], ROOT, process.env, 10 * 60_000);
  }

  let lastError: unknown;
  // Retry a couple of times in case another process grabbed a "free" port first.
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    let controllerPort = await freePort();
    while (controllerPort === port) controllerPort = await freePort();

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      KAFKA_PORT: String(port),
      KAFKA_CONTROLLER_PORT: String(controllerPort),
      KAFKA_OWNER_PID: String(process.pid),
      // kafka.sh waits for the listener and the "started" log line; the real
      // metadata round-trip is done below with kafkajs (saves a CLI JVM).
      KAFKA_READY_CHECK: 'log',
    };
    try {
      await runScript(KAFKA_SH, ['start'], ROOT, env, 120_000);
    } catch (error) {
      lastError = error;
      if (/already in use/.test(String(error)) && attempt < 3) continue;
      throw error;
    }

    const brokers = [`127.0.0.1:${port}`];
    let stopped: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopped ??= runScript(KAFKA_SH, ['stop'], ROOT, env, 60_000).then(() => undefined);
      return stopped;
    };
    try {
      await waitForMetadata(brokers, 60_000);
    } catch (error) {
      await stop().catch(() => undefined);
      throw error;
    }
    return { brokers, stop };
  }
  throw lastError;
}
