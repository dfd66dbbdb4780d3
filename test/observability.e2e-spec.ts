import { randomBytes } from 'node:crypto';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { INestApplication } from '@nestjs/common';
import { ConsumerGroups, InstrumentedBus, KafkaBus, NORMALIZER_TRANSPORT, startWorker } from '@pdp/bus';
import { loadConfig } from '@pdp/config';
import { Topics } from '@pdp/contracts';
import { hubMetrics } from '@pdp/observability';
import { NormalizerAppModule } from '../apps/normalizer/src/normalizer.module';
import { eventually, HubUnderTest, startDistributedHub, registerSpsti } from './support/harness';
import { nirOf, sickLeave, siretOf } from './support/fixtures';
import { createTestDatabase } from './support/postgres';

/** One sample of the exposition text: `name{a="x",b="y"}`, labels in any order; undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

/**
 * The distributed hub's metrics and probes on the real broker and PostgreSQL
 * (docs/operations.md, "Probes and metrics"): counters, dead letters, lag and backlog move as
 * messages flow; no label or value names a person.
 */
describe('observability: metrics and probes', () => {
  let hub: HubUnderTest;
  const http = () => request(hub.http.getHttpServer());
  const scrape = async () =>
    (
      await http()
        .get('/metrics')
        .expect(200)
        .expect('Content-Type', /text\/plain/)
    ).text;

  beforeAll(async () => {
    hub = await startDistributedHub();
  });
  afterAll(() => hub?.close());

  it('counts consumed, published and dead-lettered messages, HTTP requests and the inbox backlog', async () => {
    const spsti = await registerSpsti(hub, 'spsti-obs', siretOf(1));
    const before = await scrape();
    const consumedBefore = sample(before, 'pdp_messages_consumed_total', { group: ConsumerGroups.normalizer, topic: Topics.sickLeaveInbound }) ?? 0;
    const deadBefore = sample(before, 'pdp_dead_letters_total', { stage: 'normalizer', topic: Topics.sickLeaveInbound }) ?? 0;

    const leave = sickLeave({ n: 1, leaveId: 'aat-obs-1', employer: { siret: siretOf(1) } });
    await hub.publish(Topics.sickLeaveInbound, leave.leaveId, JSON.stringify(leave));
    await hub.publish(Topics.sickLeaveInbound, 'garbage', '{"not":"a sick leave"}');
    await eventually(async () => (await http().get('/v1/inbox').set('X-Api-Key', spsti.apiKey).expect(200)).body.items.length === 1, 'the leave in the inbox');

    const after = await eventually(async () => {
      const text = await scrape();
      return (sample(text, 'pdp_dead_letters_total', { stage: 'normalizer', topic: Topics.sickLeaveInbound }) ?? 0) > deadBefore ? text : undefined;
    }, 'the dead letter counted');
    expect(sample(after, 'pdp_messages_consumed_total', { group: ConsumerGroups.normalizer, topic: Topics.sickLeaveInbound })).toBeGreaterThanOrEqual(consumedBefore + 2);
    expect(sample(after, 'pdp_messages_published_total', { topic: 'pdp.inbox.spsti-obs.v1' })).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'pdp_batch_duration_seconds_count', { group: ConsumerGroups.normalizer, topic: Topics.sickLeaveInbound })).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'pdp_http_requests_total', { method: 'GET', route: '/v1/inbox', status: '200' })).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'pdp_inbox_unacknowledged_items', { partner: 'spsti-obs' })).toBe(1);
    expect(sample(after, 'pdp_inbox_oldest_unacknowledged_seconds', { partner: 'spsti-obs' })).toBeGreaterThanOrEqual(0);
    expect(sample(after, 'pdp_consumer_up', { group: ConsumerGroups.normalizer })).toBe(1);
    // Every group's partitions have a lag, and once drained and committed it is 0.
    expect(sample(after, 'pdp_consumer_lag', { group: ConsumerGroups.normalizer, topic: Topics.sickLeaveInbound })).toBeDefined();
    await eventually(async () => sample(await scrape(), 'pdp_consumer_lag', { group: ConsumerGroups.normalizer, topic: Topics.sickLeaveInbound }) === 0, 'the lag back to 0');
    expect(sample(after, 'pdp_process_resident_memory_bytes')).toBeGreaterThan(0);
    // No person in any series.
    expect(after).not.toContain(nirOf(1));
    expect(after).not.toContain(leave.messageId);
  });

  it("shows a consumer group's lag while its batch is being handled, then 0", async () => {
    const namespace = `e2e-lag-${randomBytes(3).toString('hex')}.`;
    const bus = new InstrumentedBus(new KafkaBus({ brokers: process.env.KAFKA_BROKERS!.split(','), clientId: 'e2e-lag', namespace, commitIntervalMs: 0 }));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    try {
      await bus.ensureTopics([{ topic: 'lag-test.v1', partitions: 1 }]);
      await bus.publish(
        'lag-test.v1',
        Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
      );
      await bus.subscribe({ groupId: 'lag-group', topics: ['lag-test.v1'], handle: () => released });
      await eventually(async () => bus.consumerStates().get('lag-group') === 'joined', 'the group joined');
      const lagOf = async () => sample(await hubMetrics.registry.metrics(), 'pdp_consumer_lag', { group: 'lag-group', topic: 'lag-test.v1', partition: '0' });
      expect(await lagOf()).toBe(5);
      release();
      await eventually(async () => (await lagOf()) === 0, 'the lag back to 0 once the batch is handled and committed');
    } finally {
      release();
      await bus.close();
    }
  });

  it('serves liveness, readiness and metrics on the probe port of a worker, ready once its group has joined', async () => {
    const database = await createTestDatabase();
    let worker: INestApplication | undefined;
    try {
      const config = loadConfig(
        {
          KAFKA_BROKERS: process.env.KAFKA_BROKERS,
          DATABASE_URL: database.url,
          PSEUDONYM_KEY: 'e2e-pseudonym-key-0123456789abcdef',
          IDENTITY_KEYS: 'e2e:BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=',
          TOPIC_NAMESPACE: `e2e-probe-${randomBytes(3).toString('hex')}.`,
          TOPIC_PARTITIONS: '1',
          NORMALIZER_THREADS: '0',
          PROBE_PORT: '0',
        },
        { mode: 'distributed' },
      );
      worker = await startWorker(NormalizerAppModule.forRoot(config), ConsumerGroups.normalizer, NORMALIZER_TRANSPORT);
      const probe = request(`http://127.0.0.1:${(worker.getHttpServer().address() as AddressInfo).port}`);
      expect((await probe.get('/health/live').expect(200)).body).toMatchObject({ status: 'ok', info: { process: { status: 'up' } } });
      const ready = await eventually(async () => {
        const res = await probe.get('/health/ready');
        return res.status === 200 ? res.body : undefined;
      }, 'the worker ready');
      expect(ready).toMatchObject({ status: 'ok', info: { database: { status: 'up' }, consumers: { status: 'up', groups: { [ConsumerGroups.normalizer]: 'joined' } } } });
      expect((await probe.get('/metrics').expect(200)).text).toContain('pdp_consumer_up');
    } finally {
      await worker?.close();
      await database.drop();
    }
  });
});
