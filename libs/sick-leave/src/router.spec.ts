import { IdentityKeyring } from '@pdp/identity';
import { CaseEvent, ContractRegistry, inboxTopic, Topics } from '@pdp/contracts';
import { BusMessage, InMemoryBus, OutgoingMessage } from '@pdp/bus';
import { migrate, PgliteDatabase } from '@pdp/db';
import { withLuhnDigit } from '@pdp/domain';
import { DeadLetterSink } from '@pdp/dead-letters';
import { AdhesionDirectory } from '@pdp/partners';
import { PartnerRegistry } from '@pdp/partners';
import { CaseRouter } from './router';

/** A bus whose publish to one topic fails once: a crash between the database and Kafka. */
class FlakyBus extends InMemoryBus {
  failNext = new Set<string>();
  override async publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    if (this.failNext.delete(topic)) throw new Error('broker unavailable');
    return super.publish(topic, messages);
  }
}

const siret = withLuhnDigit('5000000010001');
const event = (version: number): CaseEvent => ({
  schemaVersion: 'case-event/1',
  eventId: `e${version}`,
  episodeId: 'episode-1',
  episodeVersion: version,
  personPseudonym: 'p'.repeat(43),
  source: 'assurance-maladie',
  sourceMessageId: `m${version}`,
  employerSiret: siret,
  nature: 'maladie',
  startDate: '2026-09-01',
  expectedEndDate: '2026-10-15',
  cumulatedDays: 45,
  prolongationCount: version - 1,
  pdpRisk: false,
  eligible: true,
  eligibilityReason: 'cumulated leave of 45 days',
  legalBasis: 'legal-obligation-L4622-2-1',
  normalizedAt: '2026-09-02T00:00:00Z',
});
const asMessage = (e: CaseEvent, offset: number): BusMessage => ({
  topic: Topics.caseNormalized,
  partition: 0,
  offset: String(offset),
  key: e.personPseudonym,
  value: Buffer.from(JSON.stringify(e)),
  headers: {},
});

describe('CaseRouter', () => {
  let db: PgliteDatabase;
  let bus: FlakyBus;
  let router: CaseRouter;

  beforeAll(async () => {
    db = new PgliteDatabase();
    await migrate(db);
    bus = new FlakyBus();
    await bus.ensureTopics(Object.values(Topics).map((topic) => ({ topic, partitions: 1 })));
    await new PartnerRegistry(db).register({ partnerId: 'spsti-a', category: 'spsti', name: 'A', departements: [] });
    const directory = new AdhesionDirectory(db, bus);
    await directory.import([{ siret, spstiId: 'spsti-a', validFrom: '2020-01-01' }], 'test');
    router = new CaseRouter({
      db,
      bus,
      contracts: new ContractRegistry(),
      directory,
      deadLetters: new DeadLetterSink(db, bus, new IdentityKeyring({ t: Buffer.alloc(32, 7).toString('base64') }, 't')),
      partitions: 1,
    });
  });
  afterAll(() => db.close());

  it('re-publishes a delivery after a crash between the inbox table and Kafka, and only once', async () => {
    bus.failNext.add(inboxTopic('spsti-a'));
    await expect(router.handleBatch([asMessage(event(1), 0)])).rejects.toThrow('broker unavailable');
    expect(bus.messages(inboxTopic('spsti-a'))).toHaveLength(0);
    // The consumer did not commit: the same batch comes again.
    await router.handleBatch([asMessage(event(1), 0)]);
    await router.handleBatch([asMessage(event(1), 0)]);
    expect(bus.messages(inboxTopic('spsti-a'))).toHaveLength(1);
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM inbox_items');
    expect(rows[0].n).toBe(1);
  });

  it('updates the item for a newer episode version and ignores an older one arriving late', async () => {
    await router.handleBatch([asMessage(event(2), 1)]);
    await router.handleBatch([asMessage(event(1), 2)]);
    const published = bus.messages(inboxTopic('spsti-a')).map((m) => m.headers['idempotency-key']);
    expect(published).toHaveLength(2);
    expect(published[1]).toMatch(/:2$/);
    const { rows } = await db.query<{ version: number; status: string }>('SELECT version, status FROM inbox_items');
    expect(rows).toEqual([{ version: 2, status: 'updated' }]);
  });

  it("records a batch's deliveries (audit trail, chef de file) after publishing them, and not when the publish fails", async () => {
    const seen: number[] = [];
    const audited = new CaseRouter({
      db,
      bus,
      contracts: new ContractRegistry(),
      directory: new AdhesionDirectory(db, bus),
      deadLetters: new DeadLetterSink(db, bus, new IdentityKeyring({ t: Buffer.alloc(32, 7).toString('base64') }, 't')),
      partitions: 1,
      // The audit's row locks (a new case's lead) are held from here to the commit: last.
      onDelivered: async (deliveries) => void seen.push(deliveries.length, bus.messages(inboxTopic('spsti-a')).length),
    });
    const e = { ...event(1), episodeId: 'episode-2' };
    const before = bus.messages(inboxTopic('spsti-a')).length;
    bus.failNext.add(inboxTopic('spsti-a'));
    await expect(audited.handleBatch([asMessage(e, 10)])).rejects.toThrow('broker unavailable');
    expect(seen).toEqual([]);
    await audited.handleBatch([asMessage(e, 10)]);
    expect(seen).toEqual([1, before + 1]);
  });
});

describe('DeadLetterSink', () => {
  it('keeps one record when a redelivered batch rejects the same message again', async () => {
    const db = new PgliteDatabase();
    await migrate(db);
    const bus = new InMemoryBus();
    await bus.ensureTopics([{ topic: Topics.deadLetter, partitions: 1 }]);
    const sink = new DeadLetterSink(db, bus, new IdentityKeyring({ t: Buffer.alloc(32, 7).toString('base64') }, 't'));
    const rejection = {
      stage: 'normalizer' as const,
      sourceTopic: Topics.sickLeaveInbound,
      sourcePartition: 2,
      sourceOffset: '41',
      reason: 'message is not JSON',
      errors: [],
      original: Buffer.from('{oops'),
    };
    const [first] = await sink.reject([rejection]);
    const [again] = await sink.reject([rejection]);
    expect(again.deadLetterId).toBe(first.deadLetterId);
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM dead_letters');
    expect(rows[0].n).toBe(1);
    await db.close();
  });
});
