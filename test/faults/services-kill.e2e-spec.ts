import { Kafka, logLevel, Producer } from 'kafkajs';
import { ConsumerGroups } from '@pdp/bus';
import { inboxTopic, SignalementTopics, Topics } from '@pdp/contracts';
import { PgDatabase } from '@pdp/db';
import { migratedTestDatabase } from '../support/postgres';
import { outcomeReportOf, sickLeave, signalementOf, siretOf } from '../support/fixtures';
import { reportRun } from '../support/fault-report';
import { buildServices, DistributedServices, FAULTS_ADMIN_KEY, ServiceProcess, startDistributedServices } from '../support/services';
import { idempotencyKeysOn, waitForZeroLag } from '../bench/kafka-tools';

const INSURER = { partnerId: 'cpam-69', apiKey: 'key-cpam-69-0123456789', category: 'cpam', name: 'CPAM du Rhône', departements: ['69'] };
const SPSTI = { partnerId: 'spsti-a', apiKey: 'key-spsti-a-0123456789', category: 'spsti', name: 'SPSTI A', departements: ['69'] };
const SOCIAL = { partnerId: 'carsat-ra-ss', apiKey: 'key-carsat-ra-0123456789', category: 'service-social-carsat', name: 'Carsat RA service social', region: '84', departements: [] };
const CAP = { partnerId: 'cap-emploi-69', apiKey: 'key-cap-69-0123456789', category: 'cap-emploi', name: 'Cap emploi 69', departements: ['69'] };
const LEAVES = 2_000;
const SIGNALEMENTS = 300;
const OUTCOME_PERSONS = 300;
const ROUNDS = 20;
const TERMINAL = new Set(['delivered', 'not-eligible', 'parked', 'dead-lettered', 'routed', 'counted']);

/**
 * Every service of the distributed hub, compiled and run as its own process on the real broker
 * and PostgreSQL, killed with SIGKILL in the middle of a steady load and started again: each
 * accepted message must end in one terminal state, the inboxes hold what the input says, every
 * item version reaches its partner's topic (a second time at most, with the same idempotency key,
 * when a kill falls between a batch's publish and its commit), and the deduplicated count of
 * maintiens is the input's (docs/faults.md).
 */
describe('fault: kill -9 of each service under load (distributed)', () => {
  const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
  const kafka = new Kafka({ clientId: 'faults-e2e', brokers, logLevel: logLevel.NOTHING });
  let db: PgDatabase;
  let hub: DistributedServices;
  let services: Record<'gateway' | 'normalizer' | 'router' | 'signalements' | 'metrics', ServiceProcess>;
  let producer: Producer;
  let namespace = '';
  const call = (method: string, p: string, key: string, body?: unknown) => hub.call(method, p, key, body);

  beforeAll(async () => {
    await buildServices();
    const database = await migratedTestDatabase();
    db = database.db;
    hub = await startDistributedServices({
      apps: ['gateway', 'normalizer', 'router', 'signalements', 'metrics'],
      env: { KAFKA_BROKERS: brokers.join(','), DATABASE_URL: database.url },
      setup: async ({ call }) => {
        for (const p of [INSURER, SPSTI, SOCIAL, CAP]) expect((await call('POST', '/v1/partners', FAULTS_ADMIN_KEY, p)).status).toBe(201);
        expect((await call('POST', '/v1/directory/adhesions', FAULTS_ADMIN_KEY, [{ siret: siretOf(1), spstiId: SPSTI.partnerId, validFrom: '2020-01-01' }])).status).toBe(201);
      },
    });
    services = hub.services as typeof services;
    namespace = hub.namespace;
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
  }, 300_000);

  afterAll(async () => {
    await producer?.disconnect();
    await hub?.stop();
    await db?.close();
  });

  it('ends every accepted message once, with the inboxes and the counts the input implies, through a kill of each service', async () => {
    const outcome = (n: number, reporter: string) => outcomeReportOf(5_000 + n, reporter, { messageId: `out-${reporter}-${n}`, reportId: `out-${n}` });
    const accepted: string[] = [];
    let sent = 0;
    // The kills, spread over the load: each service once, the consumers in the middle of their batches.
    const kills: Record<number, (keyof typeof services)[]> = { 3: ['normalizer'], 6: ['router'], 9: ['signalements', 'metrics'], 12: ['gateway'], 15: ['normalizer', 'router'] };
    const perRound = { leaves: LEAVES / ROUNDS, signalements: SIGNALEMENTS / ROUNDS, outcomes: OUTCOME_PERSONS / ROUNDS };
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of kills[round] ?? []) await services[name].kill();
      // Sick leaves and outcome reports over Kafka (accepted once the broker has them, acks=all).
      const leaves = Array.from({ length: perRound.leaves }, (_, i) => sickLeave({ n: round * perRound.leaves + i + 1 }));
      const outcomes = Array.from({ length: perRound.outcomes }, (_, i) => round * perRound.outcomes + i + 1).flatMap((n) => [outcome(n, SPSTI.partnerId), outcome(n, CAP.partnerId)]);
      await producer.sendBatch({
        acks: -1,
        topicMessages: [
          { topic: namespace + Topics.sickLeaveInbound, messages: leaves.map((l) => ({ key: l.leaveId, value: JSON.stringify(l) })) },
          { topic: namespace + Topics.outcomeInbound, messages: outcomes.map((o) => ({ key: `${o.reporter.partnerId}:${o.reportId}`, value: JSON.stringify(o) })) },
        ],
      });
      sent += leaves.length + outcomes.length;
      accepted.push(...leaves.map((l) => l.messageId), ...outcomes.map((o) => o.messageId));
      // Signalements over HTTP (accepted on a 202); the gateway may be down for this round.
      for (let i = 0; i < perRound.signalements; i++) {
        const s = signalementOf(10_000 + round * perRound.signalements + i, {
          sender: { partnerId: SPSTI.partnerId, professional: 'médecin du travail' },
          recipient: { category: 'service-social-carsat' },
        });
        sent++;
        const r = await call('POST', '/v1/signalements', SPSTI.apiKey, s).catch(() => undefined);
        if (r?.status === 202) accepted.push(s.messageId);
      }
      for (const name of kills[round - 1] ?? []) if (!services[name].running) services[name].start();
      await new Promise((r) => setTimeout(r, 500));
    }
    for (const s of Object.values(services)) if (!s.running) s.start();
    await services.gateway.ready();

    const groups = [
      { groupId: namespace + ConsumerGroups.normalizer, topics: [namespace + Topics.sickLeaveInbound] },
      { groupId: namespace + ConsumerGroups.router, topics: [namespace + Topics.caseNormalized] },
      { groupId: namespace + ConsumerGroups.signalements, topics: [namespace + SignalementTopics.signalementInbound] },
      { groupId: namespace + ConsumerGroups.metrics, topics: [namespace + Topics.outcomeInbound] },
    ];
    await waitForZeroLag(kafka, groups, 240_000);

    // Every accepted message, as its sender sees it.
    const states = new Map<string, string>();
    for (const id of accepted) {
      const r = await call('GET', `/v1/messages/${encodeURIComponent(id)}`, FAULTS_ADMIN_KEY);
      const status = r.status === 200 ? ((await r.json()) as { status: string }).status : 'unknown';
      if (TERMINAL.has(status)) states.set(id, status);
    }

    // The inboxes against the input: one SPSTI item per leave, one service-social item per accepted signalement.
    const count = async (sql: string, params: unknown[] = []) => Number((await db.query<{ n: string }>(sql, params)).rows[0].n);
    const spstiItems = await count(`SELECT count(*) AS n FROM inbox_items WHERE partner_id = $1 AND item_type = 'sick-leave'`, [SPSTI.partnerId]);
    const socialItems = await count(`SELECT count(*) AS n FROM inbox_items WHERE partner_id = $1`, [SOCIAL.partnerId]);
    const acceptedSignalements = accepted.filter((m) => m.startsWith('sig-msg-')).length;
    // Outcomes: two reporters per person, one deduplicated maintien each.
    const persons = await count(`SELECT count(DISTINCT person_no) AS n FROM outcome_events`);
    const reports = await count(`SELECT count(*) AS n FROM outcome_events`);

    // No record twice for one item version on the partners' topics.
    const keys = await idempotencyKeysOn(kafka, `${namespace}check`, [namespace + inboxTopic(SPSTI.partnerId), namespace + inboxTopic(SOCIAL.partnerId)], spstiItems + socialItems);
    const run = reportRun('services-kill', 'kill -9 of the gateway, normalizer (×2), router (×2), signalements and metrics services under load', { sent, accepted, states, keys });

    expect(run.unaccounted.slice(0, 5)).toEqual([]);
    // Every item version is on its partner's topic. A process killed after its batch's records
    // went out and before its transaction committed handles the batch again and sends them once
    // more, with the same idempotency keys (docs/faults.md, "Delivery semantics"): never a third time.
    const copies = new Map<string, number>();
    for (const k of keys) copies.set(k, (copies.get(k) ?? 0) + 1);
    expect(copies.size).toBe(spstiItems + socialItems);
    expect([...copies.values()].filter((n) => n > 2)).toEqual([]);
    expect(spstiItems).toBe(LEAVES);
    expect(run.terminal.delivered).toBe(LEAVES);
    expect(socialItems).toBe(acceptedSignalements);
    expect(run.terminal.routed).toBe(acceptedSignalements);
    expect(acceptedSignalements).toBeGreaterThan(SIGNALEMENTS / 2);
    expect({ persons, reports }).toEqual({ persons: OUTCOME_PERSONS, reports: 2 * OUTCOME_PERSONS });
    expect(Object.values(services).reduce((n, s) => n + s.kills, 0)).toBe(7);
  }, 900_000);
});
