import { PGlite } from '@electric-sql/pglite';
import { Database, Sql } from './database';

/** Embedded PostgreSQL (WASM) for `npm start`: same SQL, same migrations, no server. */
export class PgliteDatabase implements Database {
  private readonly db: PGlite;
  // PGlite runs one statement at a time; serialise transactions so they do not interleave.
  private queue: Promise<unknown> = Promise.resolve();

  constructor(dataDir?: string) {
    this.db = new PGlite(dataDir);
  }

  query<R>(text: string, params?: unknown[]): Promise<{ rows: R[]; rowCount: number }> {
    return this.serialise(() => this.run<R>(this.db, text, params));
  }

  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    return this.serialise(() => this.db.transaction(async (t) => fn({ query: <R>(text: string, params?: unknown[]) => this.run<R>(t, text, params) })));
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    await this.db.close();
  }

  private async run<R>(target: { query: PGlite['query'] }, text: string, params?: unknown[]): Promise<{ rows: R[]; rowCount: number }> {
    const r = await target.query<R>(text, params as unknown[]);
    return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
  }

  private serialise<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
