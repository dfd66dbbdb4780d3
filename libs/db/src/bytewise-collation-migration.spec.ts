import { PgliteDatabase } from './pglite-database';
import { migrate } from './migrate';
import { migrateBefore, migrationsFrom } from '../../../test/support/migrations';

/** Text columns still comparing under the database's default collation (strcoll). */
const DEFAULT_COLLATED = `
  SELECT c.relname || '.' || a.attname AS col
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
   WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
     AND a.attcollation = (SELECT oid FROM pg_collation WHERE collname = 'default')`;

/** A database at migration 010, with rows in it, then upgraded. */
describe('migration 011: every text column compares bytewise', () => {
  let db: PgliteDatabase;
  beforeEach(async () => {
    db = new PgliteDatabase();
    await migrateBefore(db, '011');
  });
  afterEach(() => db.close());

  it('leaves no column of any migration under the default collation, and keeps rows, keys and foreign keys', async () => {
    await db.query(`INSERT INTO partners (partner_id, category, name) VALUES ('spsti-a', 'spsti', 'SPSTI Île-de-France')`);
    await db.query(
      `INSERT INTO inbox_items (item_id, partner_id, episode_id, item_type, version, idempotency_key, legal_basis, payload, status)
       VALUES ('itm_1', 'spsti-a', 'ep-1', 'sick-leave', 1, 'itm_1:1', 'legal-obligation-L4622-2-1', '{}', 'new')`,
    );
    expect((await db.query(DEFAULT_COLLATED)).rows.length).toBeGreaterThan(0);

    expect(await migrate(db)).toEqual(migrationsFrom('011'));

    // Every migration, this one's successors included: a new text column must say COLLATE "C".
    expect((await db.query(DEFAULT_COLLATED)).rows).toEqual([]);
    const { rows } = await db.query<{ item_id: string; name: string }>(`SELECT i.item_id, p.name FROM inbox_items i JOIN partners p USING (partner_id) WHERE i.episode_id = $1`, ['ep-1']);
    expect(rows).toEqual([{ item_id: 'itm_1', name: 'SPSTI Île-de-France' }]);
    await expect(
      db.query(`INSERT INTO inbox_items (item_id, partner_id, episode_id, item_type, version, idempotency_key, legal_basis, payload, status)
                VALUES ('itm_2', 'nobody', 'ep-2', 'sick-leave', 1, 'itm_2:1', 'x', '{}', 'new')`),
    ).rejects.toThrow(/foreign key/);
    await expect(
      db.query(`INSERT INTO inbox_items (item_id, partner_id, episode_id, item_type, version, idempotency_key, legal_basis, payload, status)
                VALUES ('itm_1', 'spsti-a', 'ep-1', 'sick-leave', 2, 'itm_1:2', 'x', '{}', 'new')`),
    ).rejects.toThrow(/duplicate key/);
  });

  it('orders ids by code point, as the metrics rebuild presorts them', async () => {
    await migrate(db);
    for (const id of ['b', 'a-2', 'A', 'é', 'a_1', 'z']) await db.query(`INSERT INTO partners (partner_id, category, name) VALUES ($1, 'spsti', $1)`, [id]);
    const { rows } = await db.query<{ partner_id: string }>('SELECT partner_id FROM partners ORDER BY partner_id');
    expect(rows.map((r) => r.partner_id)).toEqual(['A', 'a-2', 'a_1', 'b', 'z', 'é']);
  });
});
