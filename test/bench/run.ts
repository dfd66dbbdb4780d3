/**
 * `npm run bench`: the hub on the real Kafka broker and PostgreSQL, against the machine's own
 * reference (a bare kafkajs pass-through). Prints every figure and writes them to
 * bench-results/runs/latest.json (BENCH_OUT); bench-results/README.md says how runs are kept.
 * Sizes: BENCH_MESSAGES (default 1,000,000), BENCH_LATENCY_SECONDS (20), BENCH_SCALE_MESSAGES (200,000).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { randomBytes } from 'crypto';
import { Kafka } from 'kafkajs';
import { Topics } from '@pdp/contracts';
import { migrate, PgDatabase } from '@pdp/db';
import { ConsumerGroups } from '@pdp/bus';
import { AdhesionDirectory, PartnerRegistry } from '@pdp/partners';
import { InMemoryBus } from '@pdp/bus';
import { ensureKafka } from '../support/kafka-broker';
import { createTestDatabase } from '../support/postgres';
import { benchKafka, createTopics, deleteNamespace, produceAll, touchTopics, waitForConsumed, waitForStableGroups, waitForZeroLag } from './kafka-tools';
import { Flow, populationFor, populationMix } from './mix';
import { SignalementTopics } from '@pdp/contracts';
import { Population } from '@pdp/generator';
import { measurePassThrough } from './passthrough';
import { AppProcess, startApp } from './processes';
import { cpuByPid, cpuDelta, kernelDelta } from './cpu';
import { benchDatabaseServer } from './database-server';

const N = Number(process.env.BENCH_MESSAGES ?? 1_000_000);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 20);
const LATENCY_RATE = Number(process.env.BENCH_LATENCY_RATE ?? 1000);
/** Load offered before measuring: first deliveries to each of hundreds of partner topics pay a metadata round trip. */
const LATENCY_WARMUP_SECONDS = Number(process.env.BENCH_LATENCY_WARMUP_SECONDS ?? 10);
const SCALE_N = Number(process.env.BENCH_SCALE_MESSAGES ?? 200_000);
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 6);
// A fresh broker JVM compiles its produce and fetch paths during the first minute of load (its C2
// threads were 4–8 % of the machine's samples in a cold hub drain); a production broker has run
// for weeks. Both the pass-through and the hub are measured after this many messages through each
// (0: cold).
const WARMUP_N = Number(process.env.BENCH_WARMUP_MESSAGES ?? 200_000);
// The apps of the measured hub drain are fresh processes: V8 compiles their hot paths during
// the first seconds (TurboFan's threads were still 4–5 % of the machine's samples 15 s into a
// 500 k drain), while the reference pass-through runs in this process, compiled by its warm-up.
// So the hub's backlog starts with this many messages more, drained by the same processes, and
// its throughput is measured over the messages after them (the whole drain is reported too).
const APP_WARMUP_N = Number(process.env.BENCH_APP_WARMUP_MESSAGES ?? Math.min(200_000, Math.round(N / 5)));
/** Which phases to run (all by default): passthrough,hub,mixed,latency,scale. */
const PHASES = new Set((process.env.BENCH_PHASES ?? 'passthrough,hub,mixed,latency,scale').split(','));

interface HubEnv {
  namespace: string;
  databaseUrl: string;
  env: Record<string, string>;
  db: PgDatabase;
  dropDb: () => Promise<void>;
}

/** A fresh database and topic namespace, with the population's partners and adhesions loaded. */
/** The servers every phase runs on: the Kafka broker and the PostgreSQL server. */
interface Servers {
  kafka: Kafka;
  brokers: string[];
  pgAdminUrl: string;
}

async function prepareHub({ kafka, brokers, pgAdminUrl }: Servers, population: Population): Promise<HubEnv> {
  const database = await createTestDatabase(pgAdminUrl);
  const namespace = `bench-${randomBytes(3).toString('hex')}.`;
  const db = new PgDatabase(database.url);
  await migrate(db);
  const partners = new PartnerRegistry(db);
  for (const p of population.partners) await partners.register(p);
  await new AdhesionDirectory(db, new InMemoryBus()).import(population.adhesions(), 'bench');
  await createTopics(
    kafka,
    [...Object.values(Topics), ...Object.values(SignalementTopics)].map((t) => namespace + t),
    PARTITIONS,
  );
  // A partner's inbox needs no parallelism: one partition each (hundreds of partners nationally).
  await createTopics(
    kafka,
    population.partners.map((p) => `${namespace}pdp.inbox.${p.partnerId}.v1`),
    1,
  );
  await touchTopics(
    kafka,
    population.partners.map((p) => `${namespace}pdp.inbox.${p.partnerId}.v1`),
  );
  const env = {
    KAFKA_BROKERS: brokers.join(','),
    DATABASE_URL: database.url,
    PSEUDONYM_KEY: 'bench-pseudonym-key-0123456789abcdef',
    IDENTITY_KEYS: 'bench:CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=',
    ADMIN_API_KEY: 'bench-admin-key-0123',
    API_KEYS_ENABLED: 'true',
    TOPIC_NAMESPACE: namespace,
    TOPIC_PARTITIONS: String(PARTITIONS),
  };
  return { namespace, databaseUrl: database.url, env, db, dropDb: database.drop };
}

function startPipeline(h: HubEnv, instances: number, flow: Flow): AppProcess[] {
  const apps: AppProcess[] = [];
  const names = flow === 'all' ? ['normalizer', 'router', 'signalements', 'metrics'] : ['normalizer', 'router'];
  for (let i = 0; i < instances; i++) {
    for (const app of names) apps.push(startApp(app, `${app}-${i}`, { ...h.env, KAFKA_CLIENT_ID: `${app}-${i}`, PORT: '0' }));
  }
  return apps;
}

const groups = (ns: string, flow: Flow) => [
  { groupId: ns + ConsumerGroups.normalizer, topics: [ns + Topics.sickLeaveInbound, ns + Topics.employerLeaveInbound] },
  { groupId: ns + ConsumerGroups.router, topics: [ns + Topics.caseNormalized] },
  ...(flow === 'all'
    ? [
        { groupId: ns + ConsumerGroups.signalements, topics: [ns + SignalementTopics.signalementInbound] },
        { groupId: ns + ConsumerGroups.metrics, topics: [ns + Topics.outcomeInbound] },
      ]
    : []),
];

/** Produces each message to its own inbound topic. */
async function produceMix(producer: import('kafkajs').Producer, ns: string, messages: Iterable<{ topic: string; key: string; value: string }>): Promise<number> {
  const byTopic = new Map<string, { key: string; value: string }[]>();
  let n = 0;
  const flush = async (topic: string) => {
    const batch = byTopic.get(topic)!;
    byTopic.set(topic, []);
    if (batch.length) n += await produceAll(producer, ns + topic, batch);
  };
  for (const m of messages) {
    const list = byTopic.get(m.topic) ?? [];
    list.push({ key: m.key, value: m.value });
    byTopic.set(m.topic, list);
    if (list.length >= 20_000) await flush(m.topic);
  }
  for (const topic of byTopic.keys()) await flush(topic);
  return n;
}

/**
 * Preloads `appWarmup` + n messages, starts the apps, and measures until both groups have no
 * lag. The throughput is that of the last n messages: from the time the database had stored the
 * share of the backlog the first `appWarmup` make up, to the last item or parked case written;
 * the CPU is counted from the time the normalizers' group had committed `appWarmup` messages.
 */
async function throughput(servers: Servers, n: number, instances: number, seed: number, flow: Flow = 'sick-leave', appWarmup = 0) {
  const population = populationFor(seed, n + appWarmup);
  const { kafka } = servers;
  const h = await prepareHub(servers, population);
  const producer = kafka.producer();
  await producer.connect();
  const produceStart = Date.now();
  const produced = await produceMix(producer, h.namespace, populationMix(population, flow, n + appWarmup));
  await producer.disconnect();
  const produceSeconds = (Date.now() - produceStart) / 1000;
  const cpuAtStart = cpuByPid();
  const started = Date.now();
  const apps = startPipeline(h, instances, flow);
  const rssSampler = setInterval(() => apps.forEach((a) => a.peakRssMb()), 500);
  let cpuBefore = cpuAtStart;
  if (appWarmup > 0) {
    const [normalizers] = groups(h.namespace, flow);
    await waitForConsumed(kafka, normalizers.groupId, normalizers.topics, appWarmup, 30 * 60_000);
    cpuBefore = cpuByPid();
  }
  await waitForZeroLag(kafka, groups(h.namespace, flow), 30 * 60_000);
  const wallSeconds = (Date.now() - started) / 1000;
  clearInterval(rssSampler);
  const cpuAfter = cpuByPid();
  const backends = await h.db.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()');
  const names = new Map(apps.map((a) => [a.child.pid!, a.name]));
  const hubBackends = new Set(backends.rows.map((r) => r.pid));
  const cpuSeconds = cpuDelta(cpuBefore, cpuAfter, names, hubBackends);
  const { kernelSeconds, minorFaults } = kernelDelta(cpuBefore, cpuAfter, names, hubBackends);
  const { rows } = await h.db.query<{ first: Date; last: Date; items: number; parked: number; dead: number; stored: number }>(
    `SELECT (SELECT min(received_at) FROM leave_messages) AS first,
            greatest((SELECT max(updated_at) FROM inbox_items), (SELECT max(parked_at) FROM parked_cases)) AS last,
            (SELECT count(*)::int FROM inbox_items) AS items,
            (SELECT count(*)::int FROM parked_cases) AS parked,
            (SELECT count(*)::int FROM dead_letters) AS dead,
            (SELECT count(*)::int FROM leave_messages) AS stored`,
  );
  const r = rows[0];
  const measured = produced - Math.min(appWarmup, produced);
  // The stored message traces in time order stand for the drain's progress (dead letters are
  // spread through it): the warm-up ends where its share of them does.
  const warmEnd =
    appWarmup > 0
      ? (await h.db.query<{ at: Date }>('SELECT received_at AS at FROM leave_messages ORDER BY received_at OFFSET $1 LIMIT 1', [Math.floor((r.stored * (produced - measured)) / produced)])).rows[0].at
      : r.first;
  const seconds = (new Date(r.last).getTime() - new Date(warmEnd).getTime()) / 1000;
  const wholeDrainSeconds = (new Date(r.last).getTime() - new Date(r.first).getTime()) / 1000;
  const { rows: perSecond } = await h.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM leave_messages GROUP BY date_trunc('second', received_at) ORDER BY date_trunc('second', received_at)`);
  const rss = Object.fromEntries(apps.map((a) => [a.name, a.peakRssMb()]));
  await Promise.all(apps.map((a) => a.stop()));
  await h.db.close();
  await h.dropDb();
  // Throughput over the processing window (after the warm-up → last item or parked case
  // written); the wall time also counts the apps' start-up and group joins. Items, parked
  // cases and dead letters are counted over the whole drain, warm-up included.
  return {
    flow,
    messages: measured,
    appWarmupMessages: produced - measured,
    produceSeconds,
    seconds,
    messagesPerSecond: Math.round(measured / seconds),
    wholeDrain: { messages: produced, seconds: wholeDrainSeconds, messagesPerSecond: Math.round(produced / wholeDrainSeconds) },
    wallSecondsIncludingStartup: wallSeconds,
    inboxItems: r.items,
    parked: r.parked,
    deadLetters: r.dead,
    peakRssMb: rss,
    cpuSeconds,
    kernelSeconds,
    minorFaults,
    // Message traces stored in each second of the drain: the start-up ramp and the machine's drift.
    storedPerSecond: perSecond.map((x) => x.n),
  };
}

/**
 * Offers a fixed rate and measures latencies as a partner sees them: from the publish on the
 * inbound topic to the delivery's record on the partner's inbox topic, whose timestamp the hub's
 * producer sets when it publishes (the inbox row commits right after). The inbox topics are read
 * after the load: a live consumer of all ~380 partner topics (2,280 partitions) polled by the
 * bench took about a core of the 2 between itself and the broker, which the hub then lacked.
 */
async function latency(servers: Servers) {
  const { kafka } = servers;
  const total = (LATENCY_WARMUP_SECONDS + LATENCY_SECONDS) * LATENCY_RATE;
  const warmup = LATENCY_WARMUP_SECONDS * LATENCY_RATE;
  const population = populationFor(7, total);
  const h = await prepareHub(servers, population);
  const apps = startPipeline(h, 1, 'sick-leave');
  // Offer load only once the consumer groups have joined and own their partitions.
  await waitForStableGroups(
    kafka,
    groups(h.namespace, 'sick-leave').map((g) => g.groupId),
    120_000,
  );
  const producer = kafka.producer();
  await producer.connect();
  const sentAt = new Map<string, number>();
  // Twice as many as needed: employer declarations are skipped, only the insurer's flow is timed.
  const mix = populationMix(population, 'sick-leave', total * 2);
  const start = Date.now();
  const tick = 20; // ms: send rate/50 messages every 20 ms
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((Date.now() - start) / 1000) * LATENCY_RATE) + Math.ceil((LATENCY_RATE * tick) / 1000));
    const batch = [];
    while (sent < due) {
      const m = mix.next().value!;
      if (m.topic !== Topics.sickLeaveInbound) continue;
      sent++;
      batch.push({ key: m.key, value: m.value });
      if (sent > warmup) sentAt.set(messageIdOf(m.value), Date.now());
    }
    if (batch.length) await producer.send({ topic: h.namespace + Topics.sickLeaveInbound, messages: batch });
    await new Promise((r) => setTimeout(r, tick));
  }
  const offeredSeconds = (Date.now() - start) / 1000;
  await producer.disconnect();
  await waitForZeroLag(kafka, groups(h.namespace, 'sick-leave'), 5 * 60_000);
  // Every delivery of a measured notification (the database says which), read back from the
  // partners' topics: the first record of each, with the time the hub published it.
  const { rows } = await h.db.query<{ message_id: string }>(`SELECT payload->'caseEvent'->>'sourceMessageId' AS message_id FROM inbox_items`);
  const expected = rows.map((r) => r.message_id).filter((id) => sentAt.has(id));
  const arrivedAt = await readDeliveries(kafka, h.namespace, new Set(expected), 120_000);
  const measured = expected.filter((id) => arrivedAt.has(id));
  const sorted = (xs: number[]) => xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const lat = sorted(measured.map((id) => arrivedAt.get(id)!.at - sentAt.get(id)!));
  // Where the time goes: send → case event computed (consume, validate, episode merge), then
  // routing, the inbox write and the publish.
  const toNormalized = sorted(measured.map((id) => arrivedAt.get(id)!.normalizedAt - sentAt.get(id)!));
  const toPartner = sorted(measured.map((id) => arrivedAt.get(id)!.at - arrivedAt.get(id)!.normalizedAt));
  const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))];
  const q = (p: number) => pct(lat, p);
  const rss = Object.fromEntries(apps.map((a) => [a.name, a.peakRssMb()]));
  await Promise.all(apps.map((a) => a.stop()));
  await h.db.close();
  await h.dropDb();
  await deleteNamespace(kafka, h.namespace);
  return {
    offeredRate: LATENCY_RATE,
    warmupSeconds: LATENCY_WARMUP_SECONDS,
    measuredSeconds: LATENCY_SECONDS,
    achievedOfferedRate: Math.round(total / offeredSeconds),
    measured: lat.length,
    notArrived: expected.length - measured.length,
    p50Ms: q(0.5),
    p95Ms: q(0.95),
    p99Ms: q(0.99),
    maxMs: lat[lat.length - 1],
    stages: {
      toCaseEvent: { p50Ms: pct(toNormalized, 0.5), p99Ms: pct(toNormalized, 0.99) },
      routeStoreDeliver: { p50Ms: pct(toPartner, 0.5), p99Ms: pct(toPartner, 0.99) },
    },
    peakRssMb: rss,
  };
}

/** Reads the partners' inbox topics from the start until every expected delivery is found. */
async function readDeliveries(kafka: import('kafkajs').Kafka, namespace: string, expected: Set<string>, timeoutMs: number): Promise<Map<string, { at: number; normalizedAt: number }>> {
  const found = new Map<string, { at: number; normalizedAt: number }>();
  const reader = kafka.consumer({ groupId: `${namespace}bench-partners`, maxBytesPerPartition: 4 * 1024 * 1024 });
  await reader.connect();
  await reader.subscribe({ topics: [new RegExp(`^${namespace.replace(/\./g, '\\.')}pdp\\.inbox\\..*\\.v1$`)], fromBeginning: true });
  await reader.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        const value = m.value!.toString();
        const id = /"sourceMessageId":"([^"]+)"/.exec(value)?.[1];
        if (!id || !expected.has(id)) continue;
        const at = Number(m.timestamp);
        const seen = found.get(id);
        if (!seen || at < seen.at) found.set(id, { at, normalizedAt: Date.parse(/"normalizedAt":"([^"]+)"/.exec(value)?.[1] ?? '') });
      }
    },
  });
  const deadline = Date.now() + timeoutMs;
  while (found.size < expected.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  await reader.disconnect();
  return found;
}

async function main() {
  const started = Date.now();
  const kafkaHandle = await ensureKafka();
  const kafka = benchKafka(kafkaHandle.brokers);
  const database = await benchDatabaseServer();
  const servers: Servers = { kafka, brokers: kafkaHandle.brokers, pgAdminUrl: database.adminUrl };
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGb: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.type()} ${os.release()}` },
    database: { server: database.kind, settings: database.settings },
    sizes: { messages: N, partitions: PARTITIONS, latencySeconds: LATENCY_SECONDS, latencyRate: LATENCY_RATE, scaleMessages: SCALE_N },
  };
  try {
    if (WARMUP_N > 0 && (PHASES.has('passthrough') || PHASES.has('hub'))) {
      const warmPass = await measurePassThrough(kafka, `bench-warm-${randomBytes(3).toString('hex')}.`, PARTITIONS, populationMix(populationFor(4, WARMUP_N), 'sick-leave', WARMUP_N));
      const warmHub = await throughput(servers, WARMUP_N, 1, 4);
      results.warmUp = { messages: WARMUP_N, passThroughPerSecond: warmPass.messagesPerSecond, hubPerSecond: warmHub.messagesPerSecond, brokerCpuSeconds: warmHub.cpuSeconds['kafka-broker (java)'] };
      log('broker warm-up (not a measure)', results.warmUp);
    }
    let pass: { messagesPerSecond: number } | undefined;
    if (PHASES.has('passthrough')) {
      pass = await measurePassThrough(kafka, `bench-pt-${randomBytes(3).toString('hex')}.`, PARTITIONS, populationMix(populationFor(1, N), 'sick-leave', N));
      log('pass-through (bare kafkajs consume→produce)', pass);
      results.passThrough = pass;
    }
    if (PHASES.has('hub')) {
      const hub = await throughput(servers, N, 1, 1, 'sick-leave', APP_WARMUP_N);
      log('hub end-to-end throughput, sick leaves (inbound topic → persisted inbox item)', hub);
      results.hub = { ...hub, ...(pass ? { ratioToPassThrough: round(hub.messagesPerSecond / pass.messagesPerSecond) } : {}) };
    }
    if (PHASES.has('mixed')) {
      const mixed = await throughput(servers, SCALE_N, 1, 2, 'all');
      log('hub end-to-end throughput, full mix (leaves, declarations, signalements with consent, outcomes)', mixed);
      results.mixed = mixed;
    }
    if (PHASES.has('latency')) {
      const lat = await latency(servers);
      log(`latency at ${LATENCY_RATE} msg/s offered`, lat);
      results.latency = lat;
    }
    if (PHASES.has('scale')) {
      const scaled = await throughput(servers, SCALE_N, 2, 3);
      const single = await throughput(servers, SCALE_N, 1, 3);
      log('two instances of each service in one consumer group', { twoInstances: scaled.messagesPerSecond, oneInstance: single.messagesPerSecond });
      results.scaleOut = {
        messages: SCALE_N,
        twoInstancesPerSecond: scaled.messagesPerSecond,
        oneInstancePerSecond: single.messagesPerSecond,
        ratio: round(scaled.messagesPerSecond / single.messagesPerSecond),
        // Where the CPU went with each: two instances share the same two cores.
        twoInstancesCpuSeconds: scaled.cpuSeconds,
        oneInstanceCpuSeconds: single.cpuSeconds,
      };
    }
  } finally {
    await kafkaHandle.stop();
  }
  results.totalSeconds = Math.round((Date.now() - started) / 1000);
  const dir = path.resolve(__dirname, '..', '..', '..', 'bench-results', 'runs');
  fs.mkdirSync(dir, { recursive: true });
  // BENCH_OUT: a name in bench-results/runs/ (recorded runs are named YYYY-MM-DD-roundNN-full-N.json),
  // or any absolute path.
  const file = path.resolve(dir, process.env.BENCH_OUT ?? 'latest.json');
  fs.writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  console.log(`\nresults written to ${file}`);
}

function messageIdOf(value: string): string {
  return /"messageId":"([^"]+)"/.exec(value)?.[1] ?? '';
}

function log(title: string, figures: unknown) {
  console.log(`\n## ${title}\n${JSON.stringify(figures, null, 2)}`);
}

function round(x: number) {
  return Math.round(x * 100) / 100;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
