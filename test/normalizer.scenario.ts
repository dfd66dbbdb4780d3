import { CaseEvent, ContractRegistry, EmployerLeaveDeclaration, SickLeaveNotification, Topics } from '@pdp/contracts';
import { BusMessage, InMemoryBus } from '@pdp/bus';
import { Database, migrate, Sql } from '@pdp/db';
import { addDays, Pseudonymizer } from '@pdp/domain';
import { employerDeclaration, siretOf, sickLeave } from './support/fixtures';
import { caseEventOf, EPISODE_COLUMNS, EpisodeRow, LeaveNormalizer } from '@pdp/sick-leave';
import { hubTopics } from '@pdp/bus';
import { DeadLetterSink } from '@pdp/dead-letters';
import { IdentityKeyring, IdentityVault } from '@pdp/identity';

/** The next stage, faked: what the normalizer hands to routing, batch by batch. */
class RoutedEvents {
  batches: CaseEvent[][] = [];
  async route(events: CaseEvent[], tx: Sql): Promise<void> {
    expect(tx).toBeDefined();
    this.batches.push(events);
  }
  last(): CaseEvent[] {
    return this.batches[this.batches.length - 1];
  }
}

let offset = 0;
/** A record as the bus hands it to the normalizer, keyed as its topic is. */
const onTopic = (topic: string, key: string, value: object): BusMessage => ({ topic, partition: 0, offset: String(offset++), key, value: Buffer.from(JSON.stringify(value)), headers: {} });
const asMessage = (n: SickLeaveNotification) => onTopic(Topics.sickLeaveInbound, n.leaveId, n);
const asDeclaration = (d: EmployerLeaveDeclaration) => onTopic(Topics.employerLeaveInbound, d.messageId, d);

/**
 * The normalizer's episode merge and message traces, run on PGlite (the embedded database, its
 * statements) and on PostgreSQL (where rows known to be new go in with COPY).
 */
export function normalizerScenario(open: () => Promise<{ db: Database; drop?: () => Promise<void> }>): void {
  let db: Database;
  let drop: (() => Promise<void>) | undefined;
  let routed: RoutedEvents;
  let normalizer: LeaveNormalizer;
  let firstBatch: BusMessage[];

  beforeAll(async () => {
    ({ db, drop } = await open());
    await migrate(db);
    const bus = new InMemoryBus();
    await bus.ensureTopics(hubTopics(1));
    routed = new RoutedEvents();
    normalizer = new LeaveNormalizer({
      db,
      bus,
      contracts: new ContractRegistry(),
      pseudonymizer: new Pseudonymizer('unit-test-pseudonym-key-0123'),
      deadLetters: new DeadLetterSink(db, bus, new IdentityKeyring({ t: Buffer.alloc(32, 7).toString('base64') }, 't')),
      router: routed,
      transitionalPhase: false,
      clock: () => new Date('2026-10-20T12:00:00Z'),
      identities: new IdentityVault(db, new IdentityKeyring({ k: Buffer.alloc(32, 3).toString('base64') }, 'k')),
    });
  });
  /** The episode's row gives back the event routed for it (migration 010 keeps no event document). */
  const expectStored = async (event: CaseEvent) => {
    const { rows } = await db.query<EpisodeRow>(`SELECT ${EPISODE_COLUMNS} FROM episodes e WHERE e.episode_id = $1`, [event.episodeId]);
    expect(caseEventOf(rows[0])).toEqual(event);
  };

  afterAll(async () => {
    await db.close();
    await drop?.();
  });

  it('fails a batch it cannot read as a rejected promise, as an async handler would, not as a thrown error', async () => {
    // handleBatch reads the messages before returning (so they are not held while the batch
    // waits on the database); its callers still see failures only through the promise.
    const broken = new LeaveNormalizer({
      db,
      bus: new InMemoryBus(),
      contracts: new ContractRegistry(),
      pseudonymizer: new Pseudonymizer('unit-test-pseudonym-key-0123'),
      deadLetters: new DeadLetterSink(db, new InMemoryBus(), new IdentityKeyring({ t: Buffer.alloc(32, 7).toString('base64') }, 't')),
      router: routed,
      transitionalPhase: false,
      clock: () => {
        throw new Error('clock unavailable');
      },
      identities: new IdentityVault(db, new IdentityKeyring({ k: Buffer.alloc(32, 3).toString('base64') }, 'k')),
    });
    let handled: Promise<void> | undefined;
    expect(() => (handled = broken.handleBatch([asMessage(sickLeave())]))).not.toThrow();
    await expect(handled).rejects.toThrow('clock unavailable');
  });

  it('merges an initial leave, its prolongation and a re-sent copy in one batch into one event of version 2', async () => {
    const initial = sickLeave({ n: 1, leaveId: 'aat-1', startDate: '2026-09-01', expectedEndDate: '2026-09-20' });
    const prolongation = sickLeave({ n: 1, leaveId: 'aat-1-p1', kind: 'prolongation', initialLeaveId: 'aat-1', startDate: '2026-09-21', expectedEndDate: '2026-10-10' });
    const resent = { ...initial, messageId: 'msg-resent' };
    firstBatch = [initial, prolongation, resent].map(asMessage);
    await normalizer.handleBatch(firstBatch);
    const [event] = routed.last();
    expect(routed.last()).toHaveLength(1);
    expect(event).toMatchObject({ episodeVersion: 2, prolongationCount: 1, startDate: '2026-09-01', expectedEndDate: '2026-10-10', cumulatedDays: 40, eligible: true });
    const episode = await db.query<{ n: number }>('SELECT json_array_length(notifications) AS n FROM episodes WHERE episode_id = $1', [event.episodeId]);
    expect(episode.rows[0].n).toBe(2);
    await expectStored(event);
    // Every message can be traced; the re-sent copy points at the one that counted.
    const messages = await db.query<{ message_id: string; duplicate_of: string | null }>('SELECT message_id, duplicate_of FROM leave_messages ORDER BY message_id');
    expect(messages.rows).toEqual(
      [
        { message_id: initial.messageId, duplicate_of: null },
        { message_id: 'msg-resent', duplicate_of: initial.messageId },
        { message_id: prolongation.messageId, duplicate_of: null },
      ].sort((a, b) => (a.message_id < b.message_id ? -1 : 1)),
    );
  });

  it('gives the same event when the leave comes again under a new message id', async () => {
    const before = routed.last()[0];
    const initial = sickLeave({ n: 1, leaveId: 'aat-1', startDate: '2026-09-01', expectedEndDate: '2026-09-20' });
    await normalizer.handleBatch([asMessage(initial)]);
    expect(routed.last()[0]).toMatchObject({ eventId: before.eventId, episodeVersion: 2, cumulatedDays: 40 });
    await expectStored(routed.last()[0]);
  });

  it('adds nothing to the message traces when a batch is redelivered as it was', async () => {
    const count = async () => (await db.query<{ n: number; dups: number }>('SELECT count(*)::int AS n, count(duplicate_of)::int AS dups FROM leave_messages')).rows[0];
    const before = await count();
    await normalizer.handleBatch(firstBatch);
    expect(routed.last()[0]).toMatchObject({ episodeVersion: 2, cumulatedDays: 40 });
    expect(await count()).toEqual(before);
  });

  it('records a copy re-sent in a later batch as a duplicate of the one that counted, without counting it', async () => {
    const initial = JSON.parse(firstBatch[0].value.toString()) as SickLeaveNotification;
    await normalizer.handleBatch([asMessage({ ...initial, messageId: 'msg-resent-later' })]);
    expect(routed.last()[0]).toMatchObject({ episodeVersion: 2, cumulatedDays: 40 });
    const { rows } = await db.query<{ duplicate_of: string | null }>(`SELECT duplicate_of FROM leave_messages WHERE message_id = 'msg-resent-later'`);
    expect(rows).toEqual([{ duplicate_of: initial.messageId }]);
  });

  it('counts a prolongation that arrives before its initial leave, in separate batches', async () => {
    const prolongation = sickLeave({ n: 2, leaveId: 'aat-2-p1', kind: 'prolongation', initialLeaveId: 'aat-2', startDate: '2026-09-11', expectedEndDate: addDays('2026-09-11', 24) });
    await normalizer.handleBatch([asMessage(prolongation)]);
    expect(routed.last()[0]).toMatchObject({ episodeVersion: 1, startDate: '2026-09-11', cumulatedDays: 25, eligible: false });
    await expectStored(routed.last()[0]);
    const initial = sickLeave({ n: 2, leaveId: 'aat-2', startDate: '2026-09-01', expectedEndDate: '2026-09-10' });
    await normalizer.handleBatch([asMessage(initial)]);
    expect(routed.last()[0]).toMatchObject({ episodeVersion: 2, startDate: '2026-09-01', cumulatedDays: 35, eligible: true });
    await expectStored(routed.last()[0]);
  });

  it('still accepts a batch whose message has a trace but no place in its episode history (older data)', async () => {
    const leave = sickLeave({ n: 3, leaveId: 'aat-3', startDate: '2026-09-01', expectedEndDate: '2026-10-15' });
    // As a message traced before the histories existed would be: its row without the notification.
    const key = new Pseudonymizer('unit-test-pseudonym-key-0123').id('leave', leave.leaveId);
    await db.query(`INSERT INTO leave_messages (message_id, notification_key, episode_id) VALUES ($1, $2, 'legacy-episode')`, [leave.messageId, key]);
    const batches = routed.batches.length;
    await normalizer.handleBatch([asMessage(leave)]);
    expect(routed.batches.length).toBeGreaterThan(batches);
    expect(routed.last()[0]).toMatchObject({ episodeVersion: 1, cumulatedDays: 45 });
    const episode = await db.query<{ n: number }>('SELECT json_array_length(notifications) AS n FROM episodes WHERE episode_id = $1', [routed.last()[0].episodeId]);
    expect(episode.rows[0].n).toBe(1);
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM leave_messages WHERE message_id = $1', [leave.messageId]);
    expect(rows[0].n).toBe(1);
  });
  it("makes one episode of the employer's declaration and the insurer's notification of one leave, whichever comes first, keeping both", async () => {
    // Employer first: the episode keeps the declaration's id, and the insurer's notification and
    // its prolongation join it (the insurer's fields and legal basis with them).
    const declared = employerDeclaration({ n: 20, startDate: '2026-09-02', expectedEndDate: '2026-10-10' });
    await normalizer.handleBatch([asDeclaration(declared)]);
    const first = routed.last()[0];
    expect(first).toMatchObject({ episodeVersion: 1, source: 'employer', sources: ['employer'], legalBasis: 'employer-declaration' });
    const notified = sickLeave({ n: 20, leaveId: 'aat-20', startDate: '2026-09-01', expectedEndDate: '2026-10-15' });
    await normalizer.handleBatch([asMessage(notified)]);
    const joined = routed.last()[0];
    expect(joined).toMatchObject({
      episodeId: first.episodeId,
      episodeVersion: 2,
      source: 'assurance-maladie',
      sources: ['assurance-maladie', 'employer'],
      issuingCpam: '691',
      startDate: '2026-09-01',
      expectedEndDate: '2026-10-15',
      legalBasis: 'legal-obligation-L4622-2-1',
    });
    await expectStored(joined);
    const prolonged = sickLeave({ n: 20, leaveId: 'aat-20-p1', kind: 'prolongation', initialLeaveId: 'aat-20', startDate: '2026-10-16', expectedEndDate: '2026-10-31' });
    await normalizer.handleBatch([asMessage(prolonged)]);
    expect(routed.last()[0]).toMatchObject({ episodeId: first.episodeId, episodeVersion: 3, prolongationCount: 1, expectedEndDate: '2026-10-31' });
    // The declaration and the notification, each read again: copies of what counted.
    await normalizer.handleBatch([asDeclaration(declared), asMessage(notified)]);
    expect(routed.last()[0]).toMatchObject({ episodeId: first.episodeId, episodeVersion: 3 });
    const traced = await db.query<{ e: string }>('SELECT DISTINCT episode_id AS e FROM leave_messages WHERE message_id = ANY($1::text[])', [
      [declared.messageId, notified.messageId, prolonged.messageId],
    ]);
    expect(traced.rows).toEqual([{ e: first.episodeId }]);

    // Insurer first: the declaration joins the insurer's episode and leaves its fields as they were.
    const notifiedFirst = sickLeave({ n: 21, leaveId: 'aat-21', startDate: '2026-09-01', expectedEndDate: '2026-10-15', issuingCpam: { code: '692' } });
    await normalizer.handleBatch([asMessage(notifiedFirst)]);
    const insurerEpisode = routed.last()[0].episodeId;
    await normalizer.handleBatch([asDeclaration(employerDeclaration({ n: 21, startDate: '2026-09-02', expectedEndDate: '2026-10-10' }))]);
    const other = routed.last()[0];
    expect(other).toMatchObject({
      episodeId: insurerEpisode,
      episodeVersion: 2,
      source: 'assurance-maladie',
      sources: ['assurance-maladie', 'employer'],
      issuingCpam: '692',
      legalBasis: 'legal-obligation-L4622-2-1',
    });
    await expectStored(other);
    // The same leave in either order: the same episode but for its id.
    const content = (e: CaseEvent) => ({ ...e, eventId: '', episodeId: '', personPseudonym: '', sourceMessageId: '', issuingCpam: '' });
    expect(content(other)).toEqual(content(joined));
  });

  it('keeps apart what is not the same leave: another establishment, dates that do not overlap, a second leave of the insurer', async () => {
    const leave = sickLeave({ n: 22, leaveId: 'aat-22', startDate: '2026-09-01', expectedEndDate: '2026-10-15' });
    await normalizer.handleBatch([asMessage(leave)]);
    const insurerEpisode = routed.last()[0].episodeId;
    const elsewhere = employerDeclaration({ n: 22, employer: { siret: siretOf(2) }, startDate: '2026-09-01', expectedEndDate: '2026-10-15' });
    const later = employerDeclaration({ n: 22, startDate: '2026-11-01', expectedEndDate: '2026-12-15' });
    await normalizer.handleBatch([asDeclaration(elsewhere), asDeclaration(later)]);
    const declarations = routed.last();
    expect(declarations).toHaveLength(2);
    for (const e of declarations) expect(e).toMatchObject({ episodeVersion: 1, source: 'employer', sources: ['employer'] });
    expect(declarations.map((e) => e.episodeId)).not.toContain(insurerEpisode);
    // A declaration joins the insurer's leave; the insurer's next leave over the same days does not join that episode.
    await normalizer.handleBatch([asDeclaration(employerDeclaration({ n: 22, startDate: '2026-09-01', expectedEndDate: '2026-10-15' }))]);
    expect(routed.last()[0]).toMatchObject({ episodeId: insurerEpisode, episodeVersion: 2 });
    await normalizer.handleBatch([asMessage(sickLeave({ n: 22, leaveId: 'aat-22-bis', startDate: '2026-09-01', expectedEndDate: '2026-10-15' }))]);
    expect(routed.last()[0]).toMatchObject({ episodeVersion: 1, sources: ['assurance-maladie'] });
    expect(routed.last()[0].episodeId).not.toBe(insurerEpisode);
  });
}
