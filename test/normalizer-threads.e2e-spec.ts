import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { ConsumerGroups, InMemoryBus } from '@pdp/bus';
import { Topics } from '@pdp/contracts';
import { migrate, PgDatabase } from '@pdp/db';
import { AdhesionDirectory, PartnerRegistry } from '@pdp/partners';
import { createTopics, produceAll, waitForZeroLag } from './bench/kafka-tools';
import { populationFor, populationMix } from './bench/mix';
import { createTestDatabase } from './support/postgres';
import { buildServices } from './support/services';

const ROOT = path.resolve(__dirname, '..');
const N = 3000;

interface Outcome {
  episodes: string[];
  items: string[];
  /** Leaves reported by both the employer and the insurer. */
  merged: number;
  parked: number;
  deadLetters: number;
  traces: number;
  /** Records on the partners' topics: idempotency key per record. */
  published: string[];
  deadLetterRecords: number;
}

/**
 * The compiled normalizer service, as deployed (`dist/apps/normalizer/src/main.js`), on the real
 * broker and PostgreSQL, with and without handler threads: the same messages must give the same
 * rows and the same records, whichever thread handled a batch.
 */
describe('the normalizer service with its batches on handler threads', () => {
  const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
  const kafka = new Kafka({ clientId: 'threads-e2e', brokers, logLevel: logLevel.NOTHING });
  const population = populationFor(7, N);
  const messages = [...populationMix(population, 'sick-leave', N)];

  beforeAll(buildServices, 250_000);

  async function drain(threads: number): Promise<Outcome> {
    const database = await createTestDatabase();
    const namespace = `thr${threads}-${randomBytes(3).toString('hex')}.`;
    const db = new PgDatabase(database.url);
    let app: ChildProcess | undefined;
    try {
      await migrate(db);
      for (const p of population.partners) await new PartnerRegistry(db).register(p);
      await new AdhesionDirectory(db, new InMemoryBus()).import(population.adhesions(), 'e2e');
      await createTopics(
        kafka,
        Object.values(Topics).map((t) => namespace + t),
        3,
      );
      app = spawn(process.execPath, [path.join(ROOT, 'dist', 'apps', 'normalizer', 'src', 'main.js')], {
        env: {
          ...process.env,
          KAFKA_BROKERS: brokers.join(','),
          DATABASE_URL: database.url,
          PSEUDONYM_KEY: 'e2e-pseudonym-key-0123456789abcdef',
          IDENTITY_KEYS: 'e2e:BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=',
          ADMIN_API_KEY: 'e2e-admin-key-0123456789',
          API_KEYS_ENABLED: 'true',
          TOPIC_NAMESPACE: namespace,
          TOPIC_PARTITIONS: '3',
          NORMALIZER_THREADS: String(threads),
          // Small fetches: many batches, handled at once on both threads.
          KAFKA_FETCH_MAX_BYTES_PER_PARTITION: '65536',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      app.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
      const producer = kafka.producer();
      await producer.connect();
      for (const topic of new Set(messages.map((m) => m.topic)))
        await produceAll(
          producer,
          namespace + topic,
          messages.filter((m) => m.topic === topic),
        );
      await producer.disconnect();
      await waitForZeroLag(kafka, [{ groupId: namespace + ConsumerGroups.normalizer, topics: [namespace + Topics.sickLeaveInbound, namespace + Topics.employerLeaveInbound] }], 90_000).catch((e) => {
        throw new Error(`${(e as Error).message}\n${stderr}`);
      });
      const col = async (sql: string) => (await db.query<{ v: string }>(sql)).rows.map((r) => r.v);
      const count = async (sql: string) => Number((await col(sql))[0]);
      const partnerTopics = population.partners.map((p) => `${namespace}pdp.inbox.${p.partnerId}.v1`);
      const admin = kafka.admin();
      await admin.connect();
      const existing = new Set(await admin.listTopics());
      await admin.disconnect();
      const items = await col(`SELECT item_id || ':' || version AS v FROM inbox_items ORDER BY 1`);
      // An employer's declaration and the insurer's notification of one leave make one episode
      // named by whichever the normalizer read first (topics are read concurrently), and its
      // history is in arrival order: rows are compared by the episode's ids as a set and its
      // history sorted.
      const group = (episodeId: string) => `least(${episodeId}, (SELECT min(alias_id) FROM episode_aliases a WHERE a.episode_id = ${episodeId}))`;
      const deadLetters = await count('SELECT count(*) AS v FROM dead_letters');
      const published: string[] = [];
      let deadLetterRecords = 0;
      const waiting = new Set(items);
      const consumer = kafka.consumer({ groupId: `${namespace}check` });
      await consumer.connect();
      await consumer.subscribe({ topics: [...partnerTopics.filter((t) => existing.has(t)), namespace + Topics.deadLetter], fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        // Reading ~400 one-to-three-partition topics from the start takes a while on a loaded machine.
        const timer = setTimeout(
          () => reject(new Error(`${waiting.size} items (${[...waiting].slice(0, 5).join(', ')}…) and ${deadLetters - deadLetterRecords} dead letters not on their topics`)),
          150_000,
        );
        void consumer.run({
          eachMessage: async ({ topic, message }) => {
            if (topic === namespace + Topics.deadLetter) deadLetterRecords++;
            else {
              const key = String(message.headers?.['idempotency-key']);
              published.push(key);
              waiting.delete(key);
            }
            if (waiting.size === 0 && deadLetterRecords >= deadLetters) {
              clearTimeout(timer);
              resolve();
            }
          },
        });
      });
      await consumer.disconnect();
      return {
        episodes: await col(
          `SELECT ${group('e.episode_id')} || ':' || version || ':' || eligible || ':' || (SELECT json_agg(n ORDER BY n->>'k')::text FROM json_array_elements(e.notifications) n) AS v
             FROM episodes e ORDER BY 1`,
        ),
        items: await col(`SELECT partner_id || ':' || ${group('i.episode_id')} || ':' || version AS v FROM inbox_items i ORDER BY 1`),
        merged: await count('SELECT count(*) AS v FROM episode_aliases'),
        parked: await count('SELECT count(*) AS v FROM parked_cases'),
        deadLetters,
        traces: await count('SELECT count(*) AS v FROM leave_messages'),
        published: published.sort(),
        deadLetterRecords,
      };
    } finally {
      app?.kill('SIGTERM');
      await db.close();
      await database.drop();
    }
  }

  it('gives the rows and records of one thread: every message traced or dead-lettered, every delivery published', async () => {
    const one = await drain(0);
    const two = await drain(2);
    // Every message ends somewhere: an accepted one has its trace, a rejected one its dead letter.
    expect(two.traces + two.deadLetters).toBe(N);
    expect(two.deadLetters).toBeGreaterThan(0);
    expect(two.items.length).toBeGreaterThan(100);
    expect(two.parked).toBeGreaterThan(0);
    expect(two.merged).toBeGreaterThan(0);
    // Published through the consuming thread's producer: each item's current version on its
    // topic, and no version twice (an earlier version may have gone out when an episode's
    // notifications came in two batches).
    expect(new Set(two.published).size).toBe(two.published.length);
    expect(two.deadLetterRecords).toBe(two.deadLetters);
    const { published: _p1, ...rowsOne } = one;
    const { published: _p2, ...rowsTwo } = two;
    expect(rowsTwo).toEqual(rowsOne);
  }, 540_000);
});
