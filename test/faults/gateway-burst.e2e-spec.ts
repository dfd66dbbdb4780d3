import { Kafka, logLevel } from 'kafkajs';
import { ConsumerGroups } from '@pdp/bus';
import { Topics } from '@pdp/contracts';
import { PgDatabase } from '@pdp/db';
import { migratedTestDatabase } from '../support/postgres';
import { sickLeave, siretOf } from '../support/fixtures';
import { reportFault } from '../support/fault-report';
import { buildServices, DistributedServices, FAULTS_ADMIN_KEY, startDistributedServices } from '../support/services';
import { waitForZeroLag } from '../bench/kafka-tools';

const INSURER = { partnerId: 'cpam-69', apiKey: 'key-cpam-69-0123456789', category: 'cpam', name: 'CPAM du Rhône', departements: ['69'] };
const SPSTI = { partnerId: 'spsti-a', apiKey: 'key-spsti-a-0123456789', category: 'spsti', name: 'SPSTI A', departements: ['69'] };
const REQUESTS = Number(process.env.BURST_REQUESTS ?? 20_000);
const CONNECTIONS = 50;
/** Fewer than the connections, so that the burst meets the admission limit. */
const MAX_IN_FLIGHT = 32;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * A bounded burst on the gateway, run as deployed: 20,000 sick leaves on 50 connections against
 * an admission limit of 32 requests at once. Each answer is 202, or 429/503 with Retry-After
 * (the sender then waits and sends the same leave again); every leave answered 202 is in the
 * database once and in the SPSTI's inbox once. The latencies are reported, not asserted
 * (docs/faults.md, "Load").
 */
describe('fault: a burst on the gateway', () => {
  const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
  let hub: DistributedServices;
  let db: PgDatabase;

  beforeAll(async () => {
    await buildServices();
    const database = await migratedTestDatabase();
    db = database.db;
    hub = await startDistributedServices({
      apps: ['gateway', 'normalizer', 'router'],
      env: { KAFKA_BROKERS: brokers.join(','), DATABASE_URL: database.url, HTTP_MAX_IN_FLIGHT_INTAKES: String(MAX_IN_FLIGHT) },
      setup: async ({ call }) => {
        for (const p of [INSURER, SPSTI]) expect((await call('POST', '/v1/partners', FAULTS_ADMIN_KEY, p)).status).toBe(201);
        expect((await call('POST', '/v1/directory/adhesions', FAULTS_ADMIN_KEY, [{ siret: siretOf(1), spstiId: SPSTI.partnerId, validFrom: '2020-01-01' }])).status).toBe(201);
      },
    });
  }, 300_000);

  afterAll(async () => {
    await hub?.stop();
    await db?.close();
  });

  it('answers 202, or 429/503 with Retry-After, and keeps every leave it accepted', async () => {
    const answers: Record<string, number> = {};
    const latencies: number[] = [];
    const accepted = new Set<string>();
    let next = 0;
    let retriesWithoutAfter = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (next < REQUESTS) {
          const leave = sickLeave({ n: ++next });
          // A well-behaved sender: on 429 or 503 it waits Retry-After and sends the same leave again (bounded).
          for (let attempt = 0; attempt < 30; attempt++) {
            const t0 = performance.now();
            const r = await hub.call('POST', '/v1/sick-leaves', INSURER.apiKey, leave).catch(() => undefined);
            latencies.push(performance.now() - t0);
            const status = r ? String(r.status) : 'no answer';
            answers[status] = (answers[status] ?? 0) + 1;
            await r?.arrayBuffer();
            if (r?.status === 202) {
              accepted.add(leave.messageId);
              break;
            }
            const after = Number(r?.headers.get('retry-after'));
            if (!(after > 0)) retriesWithoutAfter++;
            await new Promise((res) => setTimeout(res, (after > 0 ? Math.min(after, 2) : 1) * 1000 * (0.5 + Math.random() / 2)));
          }
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    const kafka = new Kafka({ clientId: 'faults-burst', brokers, logLevel: logLevel.NOTHING });
    await waitForZeroLag(
      kafka,
      [
        { groupId: hub.namespace + ConsumerGroups.normalizer, topics: [hub.namespace + Topics.sickLeaveInbound] },
        { groupId: hub.namespace + ConsumerGroups.router, topics: [hub.namespace + Topics.caseNormalized] },
      ],
      300_000,
    );
    const ids = [...accepted];
    const recorded = new Set((await db.query<{ message_id: string }>('SELECT DISTINCT message_id FROM leave_messages WHERE message_id = ANY($1::text[])', [ids])).rows.map((r) => r.message_id));
    const items = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM inbox_items WHERE partner_id = $1', [SPSTI.partnerId])).rows[0].n);
    // A sample as the sender sees it.
    const sample = ids.filter((_, i) => i % Math.ceil(ids.length / 100) === 0);
    const traced = await Promise.all(sample.map(async (id) => ((await (await hub.call('GET', `/v1/messages/${encodeURIComponent(id)}`, FAULTS_ADMIN_KEY)).json()) as { status: string }).status));
    latencies.sort((a, b) => a - b);
    const p50 = percentile(latencies, 50).toFixed(1);
    const p99 = percentile(latencies, 99).toFixed(1);
    reportFault('gateway-burst', {
      fault: `a burst of ${REQUESTS} sick leaves on ${CONNECTIONS} connections, at most ${MAX_IN_FLIGHT} handled at once (answers: ${Object.entries(answers)
        .map(([k, v]) => `${k} ×${v}`)
        .join(', ')}; p50 ${p50} ms, p99 ${p99} ms; ${Math.round(REQUESTS / seconds)} leaves/s)`,
      sent: REQUESTS,
      accepted: accepted.size,
      terminal: { recorded: recorded.size, 'in the SPSTI inbox': items },
      lost: ids.filter((id) => !recorded.has(id)).length,
      duplicated: Math.max(0, items - accepted.size),
    });

    expect(accepted.size).toBe(REQUESTS);
    expect(Object.keys(answers).filter((s) => !['202', '429', '503'].includes(s))).toEqual([]);
    expect(answers['429']).toBeGreaterThan(0);
    expect(retriesWithoutAfter).toBe(0);
    expect(ids.filter((id) => !recorded.has(id)).slice(0, 5)).toEqual([]);
    expect(items).toBe(REQUESTS);
    expect(traced.filter((s) => s !== 'delivered')).toEqual([]);
  }, 900_000);
});
