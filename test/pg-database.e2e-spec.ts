import { Client } from 'pg';
import { copyChunks, PgDatabase } from '@pdp/db';
import { createTestDatabase } from './support/postgres';

/** The PostgreSQL adapter against the real server: session settings and lost connections. */
describe('PgDatabase on PostgreSQL', () => {
  let database: { url: string; drop: () => Promise<void> };
  let db: PgDatabase;
  let admin: Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = new PgDatabase(database.url, 2);
    admin = new Client({ connectionString: database.url });
    await admin.connect();
  });

  afterAll(async () => {
    await admin.end();
    await db.close();
    await database.drop();
  });

  /** Ends every session of the pool from outside, as a server restart or an administrator would. */
  async function terminatePoolSessions(): Promise<number> {
    const { rows } = await admin.query<{ n: number }>('SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
    return rows[0].n;
  }

  it('runs its sessions without JIT, whatever the server says', async () => {
    const { rows } = await db.query<{ jit: string }>('SHOW jit');
    expect(rows[0].jit).toBe('off');
    const inTx = await db.transaction((tx) => tx.query<{ jit: string }>('SHOW jit'));
    expect(inTx.rows[0].jit).toBe('off');
  });

  it('copies rows in with COPY text format, special characters and NULLs intact', async () => {
    const json = JSON.stringify({ quote: 'a"b', backslash: 'c\\d', tab: 'e\tf', newline: 'g\nh' });
    const text = 'tab\there, newline\nthere, backslash \\N and \\ alone\r';
    const rows = await db.transaction(async (tx) => {
      await tx.query('CREATE TEMP TABLE copied (k text, n int, b boolean, j jsonb, t text) ON COMMIT DROP');
      const copied = await tx.copyIn!(
        'COPY copied (k, n, b, j, t) FROM STDIN',
        copyChunks(
          [
            ['one', 1, true, json, text],
            ['two', null, false, '[]', null],
          ],
          (r) => r,
        ),
      );
      expect(copied).toBe(2);
      return (await tx.query<{ k: string; n: number | null; b: boolean; j: unknown; t: string | null }>('SELECT k, n, b, j, t FROM copied ORDER BY k')).rows;
    });
    expect(rows).toEqual([
      { k: 'one', n: 1, b: true, j: JSON.parse(json), t: text },
      { k: 'two', n: null, b: false, j: [], t: null },
    ]);
  });

  it('copies many chunks in order (each written with its header in one corked write)', async () => {
    const items = Array.from({ length: 20_000 }, (_, i) => [`row-${i}`, i, 'x'.repeat(i % 50)] as const);
    const result = await db.transaction(async (tx) => {
      await tx.query('CREATE TEMP TABLE many (k text, n int, pad text) ON COMMIT DROP');
      const copied = await tx.copyIn!(
        'COPY many (k, n, pad) FROM STDIN',
        copyChunks(items, (r) => r, 1_000),
      );
      const { rows } = await tx.query<{ c: number; s: string; last: string; pad: number }>(
        `SELECT count(*)::int AS c, sum(n)::text AS s, max(k) FILTER (WHERE n = 19999) AS last, sum(length(pad))::int AS pad FROM many`,
      );
      return { copied, ...rows[0] };
    });
    expect(result).toEqual({ copied: 20_000, c: 20_000, s: String((19_999 * 20_000) / 2), last: 'row-19999', pad: items.reduce((a, r) => a + r[2].length, 0) });
  });

  it('survives idle connections closed by the server and answers the next query', async () => {
    await Promise.all([db.query('SELECT 1'), db.query('SELECT 1')]);
    expect(await terminatePoolSessions()).toBeGreaterThan(0);
    // Unhandled, the idle clients' error events would end this process here.
    await new Promise((r) => setTimeout(r, 200));
    const { rows } = await db.query<{ n: number }>('SELECT 41 + 1 AS n');
    expect(rows[0].n).toBe(42);
  });

  it('drops a connection lost inside a transaction instead of reusing it', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query('SELECT 1');
        await terminatePoolSessions();
        await tx.query('SELECT 2');
      }),
    ).rejects.toThrow();
    // Both pooled connections must work: a broken one handed out again would fail here.
    const results = await Promise.all([1, 2, 3, 4].map((i) => db.transaction((tx) => tx.query<{ i: number }>('SELECT $1::int AS i', [i]))));
    expect(results.map((r) => r.rows[0].i)).toEqual([1, 2, 3, 4]);
  });
});
