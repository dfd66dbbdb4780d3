import { PgliteDatabase } from './pglite-database';
import { migrate } from './migrate';

describe('PgliteDatabase + migrations', () => {
  it('applies migrations once and rolls back failed transactions', async () => {
    const db = new PgliteDatabase();
    const first = await migrate(db);
    expect(first).toContain('001_foundation.sql');
    expect(await migrate(db)).toEqual([]);
    await db.query("INSERT INTO partners (partner_id, category, name) VALUES ('spsti-a', 'spsti', 'A')");
    await expect(
      db.transaction(async (tx) => {
        await tx.query("INSERT INTO partners (partner_id, category, name) VALUES ('spsti-b', 'spsti', 'B')");
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const { rows } = await db.query<{ partner_id: string }>('SELECT partner_id FROM partners ORDER BY 1');
    expect(rows.map((r) => r.partner_id)).toEqual(['spsti-a']);
    await db.close();
  });
});
