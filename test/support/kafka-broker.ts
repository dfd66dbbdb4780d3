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
  /** The SASL_SSL listener's address, when the broker was started with one. */
  saslSslBrokers?: string[];
  stop: () => Promise<void>;
}

/** A SASL_SSL listener beside the plaintext one: the broker's keystore and the SCRAM users to create. */
export interface SaslSslListener {
  keystore: string;
  keystorePassword: string;
  users: { username: string; password: string }[];
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

/**
 * The tests' broker. With `saslSsl` a broker of this run's own is always started (a configured
 * cluster's listeners are not the test's to choose).
 */
export async function ensureKafka(options: { saslSsl?: SaslSslListener } = {}): Promise<KafkaHandle> {
  const external = process.env.KAFKA_BROKERS?.trim();
  if (external && !options.saslSsl) {
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
    let saslSslPort = options.saslSsl ? await freePort() : undefined;
    while (saslSslPort !== undefined && (saslSslPort === port || saslSslPort === controllerPort)) saslSslPort = await freePort();
    const saslSsl = options.saslSsl
      ? {
          KAFKA_SASL_SSL_PORT: String(saslSslPort),
          KAFKA_SSL_KEYSTORE: options.saslSsl.keystore,
          KAFKA_SSL_KEYSTORE_PASSWORD: options.saslSsl.keystorePassword,
          KAFKA_SASL_USERS: options.saslSsl.users.map((u) => `${u.username}:${u.password}`).join(','),
        }
      : {};

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      KAFKA_PORT: String(port),
      KAFKA_CONTROLLER_PORT: String(controllerPort),
      KAFKA_OWNER_PID: String(process.pid),
      // kafka.sh waits for the listener and the "started" log line; the real
      // metadata round-trip is done below with kafkajs (saves a CLI JVM).
      KAFKA_READY_CHECK: 'log',
      ...saslSsl,
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
    return { brokers, ...(saslSslPort ? { saslSslBrokers: [`127.0.0.1:${saslSslPort}`] } : {}), stop };
  }
  throw lastError;
}

/** A broker of the test's own that keeps its data in `dataDir`: the test stops it and starts it again (a broker restart). */
export interface RestartableKafka {
  brokers: string[];
  start: () => Promise<void>;
  stop: () => Promise<void>;
}

export async function startRestartableKafka(dataDir: string): Promise<RestartableKafka> {
  if (!existsSync(BROKER_JAR)) await runScript(FETCH_SH, [], ROOT, process.env, 10 * 60_000);
  const port = await freePort();
  let controllerPort = await freePort();
  while (controllerPort === port) controllerPort = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(controllerPort),
    KAFKA_DATA_DIR: dataDir,
    KAFKA_OWNER_PID: String(process.pid),
    KAFKA_READY_CHECK: 'log',
    KAFKA_HEAP_OPTS: '-Xms256m -Xmx512m',
  };
  const brokers = [`127.0.0.1:${port}`];
  const start = async () => {
    await runScript(KAFKA_SH, ['start'], ROOT, env, 120_000);
    await waitForMetadata(brokers, 60_000);
  };
  await start();
  return { brokers, start, stop: async () => void (await runScript(KAFKA_SH, ['stop'], ROOT, env, 60_000)) };
}
