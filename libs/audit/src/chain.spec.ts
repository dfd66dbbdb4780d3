import { migrate, PgliteDatabase } from '@pdp/db';
import { migrateBefore, migrationsFrom } from '../../../test/support/migrations';
import { AuditEntry, AuditTrail } from './audit';
import { GENESIS_HASH, verifyChain } from './chain';

const entry = (n: number, extra: Partial<AuditEntry> = {}): AuditEntry => ({
  action: 'delivered',
  subjectType: 'sick-leave',
  subjectId: `ep_${n}`,
  caseId: `case_${n}`,
  personPseudonym: 'p'.repeat(43),
  partnerId: 'spsti-a',
  category: 'spsti',
  legalBasis: 'legal-obligation-L4622-2-1',
  rulesVersion: '2026.1',
  actor: 'hub',
  detail: { n, reason: 'tab\there "quoted" é' },
  ...extra,
});

interface ChainRow {
  audit_id: string;
  prev_hash: string;
  hash: string;
}

/**
 * The hash chain on PGlite (one role, the owner: tampering is simulated by setting the
 * append-only triggers aside, as only the table's owner can).
 */
describe('audit chain (PGlite)', () => {
  let db: PgliteDatabase;
  let audit: AuditTrail;

  async function appendRows(from: number, to: number): Promise<void> {
    const entries: AuditEntry[] = [];
    for (let n = from; n <= to; n++) entries.push(entry(n));
    await db.transaction((tx) => audit.append(entries, tx));
  }

  /** What an owner could do by hand: the triggers set aside, one statement, the triggers back. */
  async function asOwner(statement: string, trigger = 'audit_log_no_rewrite'): Promise<void> {
    await db.query(`ALTER TABLE audit_log DISABLE TRIGGER ${trigger}`);
    try {
      await db.query(statement);
    } finally {
      await db.query(`ALTER TABLE audit_log ENABLE TRIGGER ${trigger}`);
    }
  }

  const chain = async () =>
    (await db.query<ChainRow>(`SELECT audit_id::text AS audit_id, encode(prev_hash, 'hex') AS prev_hash, encode(hash, 'hex') AS hash FROM audit_log l ORDER BY l.audit_id`)).rows;

  beforeAll(async () => {
    db = new PgliteDatabase();
    await migrate(db);
    audit = new AuditTrail(db);
  });
  afterAll(() => db.close());

  /** Each test starts from an empty chain: the trail and its anchor reset, as only their owner could. */
  beforeEach(async () => {
    for (const statement of [
      'ALTER TABLE audit_log DISABLE TRIGGER USER',
      'TRUNCATE audit_log',
      'ALTER TABLE audit_log ENABLE TRIGGER USER',
      'ALTER TABLE audit_anchor DISABLE TRIGGER USER',
      `UPDATE audit_anchor SET last_audit_id = 0, last_hash = decode(repeat('00', 32), 'hex'), row_count = 0, first_audit_id = NULL`,
      'ALTER TABLE audit_anchor ENABLE TRIGGER USER',
    ])
      await db.query(statement);
  });

  it('chains every row the database appends, in id order without gaps, whatever the statement', async () => {
    expect(await audit.verifyChain()).toEqual({ ok: true, rows: 0, lastAuditId: null, lastHash: null });
    await appendRows(1, 3);
    await audit.append([entry(4)]);
    // A rolled-back append leaves neither a row nor a gap: the ids come from the anchor, which rolls back too.
    await expect(
      db.transaction(async (tx) => {
        await audit.append([entry(99)], tx);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    // Neither the id nor the time an insert gives is taken: no entry jumps the chain or is backdated.
    await db.query(`INSERT INTO audit_log (audit_id, at, action, subject_type, subject_id, actor) VALUES (1000, '2020-01-01T00:00:00Z', 'delivered', 'case', 'c', 'hub')`);
    expect((await db.query(`SELECT at > now() - interval '1 day' AS recent FROM audit_log WHERE subject_id = 'c'`)).rows).toEqual([{ recent: true }]);
    await appendRows(6, 7);

    const rows = await chain();
    expect(rows.map((r) => r.audit_id)).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    expect(rows[0].prev_hash).toBe(GENESIS_HASH);
    rows.slice(1).forEach((r, i) => expect(r.prev_hash).toBe(rows[i].hash));
    expect(new Set(rows.map((r) => r.hash)).size).toBe(7);
    expect(await audit.verifyChain()).toEqual({ ok: true, rows: 7, lastAuditId: '7', lastHash: rows[6].hash });
    // Across pages, the same.
    expect(await verifyChain(db, 2)).toEqual({ ok: true, rows: 7, lastAuditId: '7', lastHash: rows[6].hash });
    const { rows: anchor } = await db.query(`SELECT last_audit_id::text AS last, encode(last_hash, 'hex') AS hash, row_count::text AS count, first_audit_id::text AS first FROM audit_anchor`);
    expect(anchor).toEqual([{ last: '7', hash: rows[6].hash, count: '7', first: '1' }]);
  });

  it('walks the rows in numeric id order, a page at a time', async () => {
    await appendRows(1, 25);
    const last = (await chain()).at(-1)!;
    expect(await verifyChain(db, 4)).toEqual({ ok: true, rows: 25, lastAuditId: '25', lastHash: last.hash });
    await asOwner('DELETE FROM audit_log WHERE audit_id = 10');
    expect(await verifyChain(db, 4)).toEqual(expect.objectContaining({ ok: false, problem: 'removed', firstBadAuditId: '10', rows: 9 }));
  });

  it('refuses to rewrite, delete or truncate the trail, or to move its anchor', async () => {
    await appendRows(1, 2);
    await expect(db.query(`UPDATE audit_log SET detail = '{}'`)).rejects.toThrow(/append-only/);
    await expect(db.query('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
    await expect(db.query('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
    await expect(db.query('UPDATE audit_anchor SET row_count = 0')).rejects.toThrow(/audit_anchor changes only/);
    await expect(db.query('DELETE FROM audit_anchor')).rejects.toThrow(/audit_anchor changes only/);
    await expect(db.query('TRUNCATE audit_anchor')).rejects.toThrow(/audit_anchor changes only/);
    expect(await audit.verifyChain()).toMatchObject({ ok: true, rows: 2 });
  });

  it("names a row whose fields were changed behind the trigger's back", async () => {
    await appendRows(1, 5);
    await asOwner(`UPDATE audit_log SET detail = '{"n": 3, "reason": "edited"}' WHERE audit_id = 3`);
    expect(await audit.verifyChain()).toEqual(expect.objectContaining({ ok: false, problem: 'modified', firstBadAuditId: '3', rows: 2 }));
  });

  it('names a row whose hash was recomputed after an edit: the next row no longer follows it', async () => {
    await appendRows(1, 5);
    await asOwner(`UPDATE audit_log SET partner_id = 'spsti-b' WHERE audit_id = 3`);
    await asOwner(`UPDATE audit_log l SET hash = audit_log_row_hash(prev_hash, l) WHERE audit_id = 3`);
    expect(await audit.verifyChain()).toEqual(expect.objectContaining({ ok: false, problem: 'modified', firstBadAuditId: '3' }));
  });

  it('names a row removed from the middle', async () => {
    await appendRows(1, 5);
    await asOwner('DELETE FROM audit_log WHERE audit_id = 3');
    expect(await audit.verifyChain()).toEqual(expect.objectContaining({ ok: false, problem: 'removed', firstBadAuditId: '3', rows: 2 }));
    expect(await verifyChain(db, 1)).toEqual(expect.objectContaining({ ok: false, problem: 'removed', firstBadAuditId: '3' }));
  });

  it('names rows removed from the end: the anchor still names the last', async () => {
    await appendRows(1, 5);
    await asOwner('DELETE FROM audit_log WHERE audit_id >= 4');
    expect(await audit.verifyChain()).toEqual(expect.objectContaining({ ok: false, problem: 'removed', firstBadAuditId: '4', rows: 3 }));
  });

  it('tells a truncation, even once new rows follow it', async () => {
    await appendRows(1, 5);
    await asOwner('TRUNCATE audit_log', 'audit_log_no_truncate');
    expect(await audit.verifyChain()).toEqual(expect.objectContaining({ ok: false, problem: 'truncated', firstBadAuditId: '1', rows: 0 }));
    // The chain goes on from the anchor's head: the new rows do not start a chain of their own.
    await appendRows(6, 7);
    expect((await chain()).map((r) => r.audit_id)).toEqual(['6', '7']);
    expect(await audit.verifyChain()).toEqual(expect.objectContaining({ ok: false, problem: 'truncated', firstBadAuditId: '1' }));
  });

  it('tells a log cut at its start: the first row left does not follow the genesis', async () => {
    await appendRows(1, 5);
    await asOwner('DELETE FROM audit_log WHERE audit_id <= 2');
    expect(await audit.verifyChain()).toEqual(expect.objectContaining({ ok: false, problem: 'truncated', firstBadAuditId: '1', rows: 0 }));
  });
});

describe('migration 012_audit_chain: the rows already there are chained', () => {
  it('hashes them in id order, keeps their ids, and appends after the last', async () => {
    const db = new PgliteDatabase();
    try {
      await migrateBefore(db, '012_audit_chain');
      const insert = (n: number) => db.query(`INSERT INTO audit_log (action, subject_type, subject_id, actor, detail) VALUES ('delivered', 'case', $1, 'hub', $2)`, [`c${n}`, { n }]);
      await insert(1);
      await insert(2);
      // A rolled-back insert leaves a gap in the sequence's ids (3): the chain follows the rows.
      await expect(
        db.transaction(async (tx) => {
          await tx.query(`INSERT INTO audit_log (action, subject_type, subject_id, actor) VALUES ('delivered', 'case', 'gone', 'hub')`);
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      await insert(4);
      expect(await migrate(db)).toEqual(migrationsFrom('012_audit_chain'));

      const audit = new AuditTrail(db);
      const { rows } = await db.query<{ audit_id: string; subject_id: string }>('SELECT audit_id::text AS audit_id, subject_id FROM audit_log l ORDER BY l.audit_id');
      expect(rows).toEqual([
        { audit_id: '1', subject_id: 'c1' },
        { audit_id: '2', subject_id: 'c2' },
        { audit_id: '4', subject_id: 'c4' },
      ]);
      expect(await audit.verifyChain()).toMatchObject({ ok: true, rows: 3, lastAuditId: '4' });
      await audit.append([entry(5)]);
      expect(await audit.verifyChain()).toMatchObject({ ok: true, rows: 4, lastAuditId: '5' });
      await expect(db.query(`UPDATE audit_log SET actor = 'x'`)).rejects.toThrow(/append-only/);
    } finally {
      await db.close();
    }
  });
});
