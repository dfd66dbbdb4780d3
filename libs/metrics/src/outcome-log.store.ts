import { Sql } from '@pdp/db';

type CopySql = Sql & Required<Pick<Sql, 'copyOut'>>;

/**
 * The columns read, in this order (types matter: the binary parser reads three int8, an int4
 * and a text). PostgreSQL's cost is per field sent, so the integers travel packed: two int4 in
 * an int8 (high and low words), the four small codes in one int4, a byte each (their columns
 * keep a byte, Int8Array).
 */
export const LOG_COPY_COLUMNS =
  '(person_no::int8 << 32) | (outcome_day::int8 & 4294967295), ' +
  '(partner_no::int8 << 32) | (measures::int8 & 4294967295), ' +
  '(start_day::int8 << 32) | (end_day::int8 & 4294967295), ' +
  '(follow_up & 255) | ((outcome & 255) << 8) | ((pyramide & 255) << 16) | ((requester & 255) << 24), ' +
  'departement';

function logCopy(pages: { from: number; to: number | null } | null): string {
  const where = pages === null ? '' : ` WHERE ctid >= '(${pages.from},0)'::tid` + (pages.to === null ? '' : ` AND ctid < '(${pages.to},0)'::tid`);
  return `COPY (SELECT ${LOG_COPY_COLUMNS} FROM outcome_events${where}) TO STDOUT (FORMAT binary)`;
}

/**
 * The outcome log (outcome_events) as a rebuild reads it from the PostgreSQL server: COPY in
 * binary, whole or by ranges of its pages, possibly by two transactions on one snapshot.
 */
export class OutcomeLogStore {
  constructor(private readonly db: CopySql) {}

  /** The planner's estimate of the number of events. */
  async estimatedEvents(): Promise<number> {
    const { rows } = await this.db.query<{ n: string }>("SELECT GREATEST(reltuples, 0)::bigint AS n FROM pg_class WHERE oid = 'outcome_events'::regclass");
    return Number(rows[0]?.n ?? 0);
  }

  /** Exports this transaction's snapshot (for another to join), with the number of pages of the log. */
  async exportSnapshot(): Promise<{ snapshot: string; pages: number }> {
    const { rows } = await this.db.query<{ snapshot: string; pages: string }>(
      "SELECT pg_export_snapshot() AS snapshot, pg_relation_size('outcome_events') / current_setting('block_size')::int AS pages",
    );
    return { snapshot: rows[0].snapshot, pages: Number(rows[0].pages) };
  }

  /** Makes this transaction (before its first read) see an exported snapshot. */
  async joinSnapshot(snapshot: string): Promise<void> {
    await this.db.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    await this.db.query(`SET TRANSACTION SNAPSHOT '${snapshot.replace(/'/g, "''")}'`);
  }

  /** The events (LOG_COPY_COLUMNS) of pages [from, to) of the log, or of all of it, as binary COPY chunks. */
  copy(pages: { from: number; to: number | null } | null): AsyncIterable<Buffer> {
    return this.db.copyOut(logCopy(pages));
  }
}
