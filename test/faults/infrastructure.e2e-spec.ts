import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Kafka, logLevel, Producer } from 'kafkajs';
import { ConsumerGroups } from '@pdp/bus';
import { inboxTopic, SignalementTopics, Topics } from '@pdp/contracts';
import { PgDatabase } from '@pdp/db';
import { migratedTestDatabase } from '../support/postgres';
import { sickLeave, signalementOf, siretOf } from '../support/fixtures';
import { reportRun } from '../support/fault-report';
import { buildServices, DistributedServices, FAULTS_ADMIN_KEY, ServiceProcess, startDistributedServices } from '../support/services';
import { RestartableKafka, startRestartableKafka } from '../support/kafka-broker';
import { TcpGate } from '../support/tcp-gate';
import { idempotencyKeysOn, waitForZeroLag } from '../bench/kafka-tools';

const INSURER = { partnerId: 'cpam-69', apiKey: 'key-cpam-69-0123456789', category: 'cpam', name: 'CPAM du Rhône', departements: ['69'] };
const SPSTI = { partnerId: 'spsti-a', apiKey: 'key-spsti-a-0123456789', category: 'spsti', name: 'SPSTI A', departements: ['69'] };
const SOCIAL = { partnerId: 'carsat-ra-ss', apiKey: 'key-carsat-ra-0123456789', category: 'service-social-carsat', name: 'Carsat RA service social', region: '84', departements: [] };
const ROUNDS = Number(process.env.FAULT_ROUNDS ?? 18);
const LEAVES_PER_ROUND = 60;
const SIGNALEMENTS_PER_ROUND = 10;
const TERMINAL = new Set(['delivered', 'not-eligible', 'parked', 'dead-lettered', 'routed']);

/**
 * The distributed hub (each service its own process) under a steady load while PostgreSQL goes
 * away and comes back (every connection cut and new ones refused, as a restart looks from the
 * services: a gate between them and the server), then while the broker is stopped and started
 * again on its data. Whatever the hub answered 202 ends in a terminal state, once; what it could
 * not take was answered 503 with Retry-After, never 500 (docs/faults.md).
 */
describe('fault: PostgreSQL and the broker restarted under load (distributed)', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pdp-faults-kafka-'));
  let broker: RestartableKafka;
  let kafka: Kafka;
  let gate: TcpGate;
  let db: PgDatabase;
  let hub: DistributedServices;
  let services: ServiceProcess[] = [];
  let namespace = '';
  let producer: Producer;
  const call = (method: string, p: string, key: string, body?: unknown) => hub.call(method, p, key, body);

  beforeAll(async () => {
    await buildServices();
    broker = await startRestartableKafka(dataDir);
    kafka = new Kafka({ clientId: 'faults-infra', brokers: broker.brokers, logLevel: logLevel.NOTHING });
    const database = await migratedTestDatabase();
    db = database.db;
    const server = new URL(database.url);
    gate = await TcpGate.to(server.hostname, Number(server.port || 5432));
    await gate.open();
    const gated = new URL(database.url);
    gated.port = String(gate.port);
    // Supervised, as deployed: a service that exits (its database gone while it starts, say) is started again.
    hub = await startDistributedServices({
      apps: ['gateway', 'normalizer', 'router', 'signalements'],
      env: { KAFKA_BROKERS: broker.brokers.join(','), DATABASE_URL: gated.toString() },
      supervised: true,
      setup: async ({ call }) => {
        for (const p of [INSURER, SPSTI, SOCIAL]) expect((await call('POST', '/v1/partners', FAULTS_ADMIN_KEY, p)).status).toBe(201);
        expect((await call('POST', '/v1/directory/adhesions', FAULTS_ADMIN_KEY, [{ siret: siretOf(1), spstiId: SPSTI.partnerId, validFrom: '2020-01-01' }])).status).toBe(201);
      },
    });
    services = Object.values(hub.services);
    namespace = hub.namespace;
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 2 } });
    await producer.connect();
  }, 400_000);

  afterAll(async () => {
    await producer?.disconnect().catch(() => undefined);
    await hub?.stop();
    await gate?.close();
    await db?.close();
    await broker?.stop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 202 or 503, never 500, and ends every accepted message once, through a database outage and a broker restart', async () => {
    const accepted: string[] = [];
    const answers: Record<string, number> = {};
    let sent = 0;
    let leaves = 0;
    let n = 0;
    let brokerUp = true;
    const events: Record<number, () => Promise<void>> = {
      3: () => gate.close(),
      6: () => gate.open(),
      9: async () => {
        brokerUp = false;
        await broker.stop();
      },
      12: async () => {
        await broker.start();
        brokerUp = true;
      },
    };
    for (let round = 0; round < ROUNDS; round++) {
      await events[round]?.();
      // Sick leaves over Kafka while the broker is up (a producer that cannot reach it keeps its messages: not sent).
      if (brokerUp) {
        const batch = Array.from({ length: LEAVES_PER_ROUND }, () => sickLeave({ n: ++leaves }));
        sent += batch.length;
        await producer.send({ topic: namespace + Topics.sickLeaveInbound, acks: -1, messages: batch.map((l) => ({ key: l.leaveId, value: JSON.stringify(l) })) });
        accepted.push(...batch.map((l) => l.messageId));
      }
      // Signalements over HTTP whatever the state: 202, or 503 with Retry-After.
      await Promise.all(
        Array.from({ length: SIGNALEMENTS_PER_ROUND }, async () => {
          const s = signalementOf(20_000 + ++n, { sender: { partnerId: SPSTI.partnerId, professional: 'médecin du travail' }, recipient: { category: 'service-social-carsat' } });
          sent++;
          const r = await call('POST', '/v1/signalements', SPSTI.apiKey, s).catch(() => undefined);
          const answer = r ? `${r.status}${r.status === 503 && r.headers.get('retry-after') ? ' Retry-After' : ''}` : 'timeout';
          answers[answer] = (answers[answer] ?? 0) + 1;
          if (r?.status === 202) accepted.push(s.messageId);
        }),
      );
      await new Promise((r) => setTimeout(r, 500));
    }

    await waitForZeroLag(
      kafka,
      [
        { groupId: namespace + ConsumerGroups.normalizer, topics: [namespace + Topics.sickLeaveInbound] },
        { groupId: namespace + ConsumerGroups.router, topics: [namespace + Topics.caseNormalized] },
        { groupId: namespace + ConsumerGroups.signalements, topics: [namespace + SignalementTopics.signalementInbound] },
      ],
      Number(process.env.FAULT_LAG_MS ?? 300_000),
    ).catch((e: Error) => {
      const brokerLog = existsSync(path.join(dataDir, 'logs', 'server.log')) ? readFileSync(path.join(dataDir, 'logs', 'server.log'), 'utf8').slice(-3000) : '(no broker log)';
      throw new Error(`${e.message}\n${services.map((s) => `${s.app}: ${s.running ? 'running' : 'stopped'}, restarted ${s.restarts}\n${s.log.slice(-1500)}`).join('\n')}\nbroker:\n${brokerLog}`);
    });
    const states = new Map<string, string>();
    for (const id of accepted) {
      const r = await call('GET', `/v1/messages/${encodeURIComponent(id)}`, FAULTS_ADMIN_KEY);
      const status = r.status === 200 ? ((await r.json()) as { status: string }).status : 'unknown';
      if (TERMINAL.has(status)) states.set(id, status);
    }
    const spstiItems = Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM inbox_items WHERE partner_id = $1`, [SPSTI.partnerId])).rows[0].n);

    const socialItems = Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM inbox_items WHERE partner_id = $1`, [SOCIAL.partnerId])).rows[0].n);
    const keys = await idempotencyKeysOn(kafka, `${namespace}check`, [namespace + inboxTopic(SPSTI.partnerId), namespace + inboxTopic(SOCIAL.partnerId)], spstiItems + socialItems);
    const run = reportRun(
      'infrastructure',
      `PostgreSQL unreachable for 3 rounds, then the broker stopped and restarted, under load (HTTP answers: ${Object.entries(answers)
        .map(([k, v]) => `${k} ×${v}`)
        .join(', ')}; services restarted by their supervisor: ${services.reduce((n, s) => n + s.restarts, 0)})`,
      { sent, accepted, states, keys },
    );

    expect(run.unaccounted.slice(0, 5)).toEqual([]);
    expect(run.duplicated).toBe(0);
    expect(spstiItems).toBe(leaves);
    // The outages were felt (some 503, within the intake's deadline), and nothing was a 500 or left unanswered.
    expect(Object.keys(answers).filter((a) => a !== '202' && a !== '503 Retry-After')).toEqual([]);
    expect(answers['503 Retry-After']).toBeGreaterThan(0);
    expect(answers['202']).toBeGreaterThan(ROUNDS * SIGNALEMENTS_PER_ROUND * 0.5);
  }, 900_000);
});
