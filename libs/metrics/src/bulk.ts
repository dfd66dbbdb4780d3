import { Sql } from '../../db/src';
import { CellAccumulator, PartnerNames } from './accumulator';
import { allocateColumns, EventColumns } from './events';
import { departementIndex, DEPARTEMENTS } from './territory';

/**
 * Bulk transfers of a rebuild, with COPY (PostgreSQL server only, see Sql.copyOut/copyIn):
 * the outcome log read in binary straight into typed columns, and the aggregates written as
 * COPY text. 10 million events are about 800 MB of binary tuples: no row objects, no strings
 * except the (tiny) département codes.
 */

/** The columns read, in this order (types matter: the binary parser reads int4 / int2 / text). */
export const LOG_COPY_COLUMNS = 'person_no, partner_no, start_day, end_day, outcome_day, follow_up, outcome, measures, pyramide, departement, requester';

/** Reads the whole outcome log into columns with one COPY … TO STDOUT (FORMAT binary). */
export async function copyLog(tx: Sql & Required<Pick<Sql, 'copyOut'>>): Promise<EventColumns> {
  // The planner's estimate sizes the arrays; they grow if the log is larger.
  const { rows } = await tx.query<{ n: string }>("SELECT GREATEST(reltuples, 0)::bigint AS n FROM pg_class WHERE oid = 'outcome_events'::regclass");
  const parser = new BinaryLogParser(Math.max(1024, Math.ceil(Number(rows[0]?.n ?? 0) * 1.02)));
  for await (const chunk of tx.copyOut(`COPY outcome_events (${LOG_COPY_COLUMNS}) TO STDOUT (FORMAT binary)`)) parser.push(chunk);
  return parser.finish();
}

// The 2-character département codes, by their two bytes (the 3-character ones go through a Map).
const DEPT_BY_2_BYTES = new Int16Array(65536).fill(-1);
const DEPT_BY_BYTES = new Map<number, number>();
DEPARTEMENTS.forEach((d, i) => {
  const b = Buffer.from(d, 'latin1');
  if (b.length === 2) DEPT_BY_2_BYTES[(b[0] << 8) | b[1]] = i;
  else if (b.length === 3) DEPT_BY_BYTES.set((b[0] << 16) | (b[1] << 8) | b[2], i);
});

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/** Parses PostgreSQL binary COPY tuples of LOG_COPY_COLUMNS into EventColumns, chunk by chunk. */
export class BinaryLogParser {
  private c: EventColumns;
  private rest: Buffer | null = null;
  private headerDone = false;
  private ended = false;

  constructor(capacity: number) {
    this.c = allocateColumns(capacity);
  }

  push(chunk: Buffer): void {
    let buf = chunk;
    let pos = 0;
    if (this.rest !== null && this.headerDone) {
      // A tuple split across chunks: stitch the rest with the head of this chunk (tuples are
      // small) rather than copying whole chunks, then go on in the chunk itself.
      const rest = this.rest;
      const stitched = Buffer.concat([rest, chunk.subarray(0, Math.min(chunk.length, 4096))]);
      const at = this.parse(stitched, 0);
      if (this.ended) {
        this.rest = null;
        return;
      }
      if (at <= rest.length) {
        this.rest = Buffer.concat([rest, chunk]); // not even one tuple complete yet
        return;
      }
      this.rest = null;
      pos = at - rest.length;
    } else if (this.rest !== null) {
      buf = Buffer.concat([this.rest, chunk]);
      this.rest = null;
    }
    if (!this.headerDone) {
      if (buf.length < 19) {
        this.rest = buf;
        return;
      }
      if (!buf.subarray(0, 11).equals(SIGNATURE)) throw new Error('outcome log: not a binary COPY stream');
      pos = 19 + buf.readInt32BE(15); // signature, flags, header extension length + extension
      this.headerDone = true;
    }
    pos = this.parse(buf, pos);
    if (pos < buf.length) this.rest = Buffer.from(buf.subarray(pos));
  }

  finish(): EventColumns {
    if (!this.ended || (this.rest !== null && this.rest.length > 0)) throw new Error('outcome log: truncated COPY stream');
    return this.c;
  }

  /** Parses every complete tuple from pos; returns where the first incomplete one starts. */
  private parse(b: Buffer, pos: number): number {
    const end = b.length;
    let c = this.c;
    let k = c.length;
    let cap = c.person.length;
    // Columns in locals: the loop stores straight into the typed arrays.
    let { person, partner, start, end: ends, outcomeDay, followUp, outcome, measures, pyramide, dept: depts, requester } = c;
    try {
      for (;;) {
        if (pos + 2 > end) return pos;
        const fields = (b[pos] << 8) | b[pos + 1];
        if (fields === 0xffff) {
          this.ended = true;
          return end;
        }
        if (fields !== 11) throw new Error(`outcome log: ${fields} columns in a COPY tuple, 11 expected`);
        // Layout: 5 × (len 4 + int4), 2 × (len 4 + int2), (len 4 + int4), (len 4 + int2), (len 4 + text), (len 4 + int2).
        const deptAt = pos + 2 + 5 * 8 + 2 * 6 + 8 + 6; // the text field's length word
        if (deptAt + 4 > end) return pos;
        const deptLen = (b[deptAt] << 24) | (b[deptAt + 1] << 16) | (b[deptAt + 2] << 8) | b[deptAt + 3];
        if (deptLen < 0) throw new Error('outcome log: NULL département');
        const next = deptAt + 4 + deptLen + 6;
        if (next > end) return pos;
        if (k === cap) {
          c.length = k;
          c = this.c = grow(c);
          cap = c.person.length;
          ({ person, partner, start, end: ends, outcomeDay, followUp, outcome, measures, pyramide, dept: depts, requester } = c);
        }
        let p = pos + 6;
        person[k] = (b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3];
        p += 8;
        partner[k] = (b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3];
        p += 8;
        start[k] = (b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3];
        p += 8;
        ends[k] = (b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3];
        p += 8;
        outcomeDay[k] = (b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3];
        p += 8;
        followUp[k] = (b[p] << 8) | b[p + 1];
        p += 6;
        outcome[k] = (b[p] << 8) | b[p + 1];
        p += 6;
        measures[k] = (b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3];
        p += 8;
        pyramide[k] = (b[p] << 8) | b[p + 1];
        p = deptAt + 4;
        let d = -1;
        if (deptLen === 2) d = DEPT_BY_2_BYTES[(b[p] << 8) | b[p + 1]];
        else if (deptLen === 3) d = DEPT_BY_BYTES.get((b[p] << 16) | (b[p + 1] << 8) | b[p + 2]) ?? -1;
        if (d < 0) d = departementIndex(b.toString('utf8', p, p + deptLen));
        depts[k] = d;
        p += deptLen + 4;
        requester[k] = (b[p] << 8) | b[p + 1];
        k++;
        pos = next;
      }
    } finally {
      c.length = k;
    }
  }
}

function grow(c: EventColumns): EventColumns {
  const g = allocateColumns(Math.max(1024, c.person.length * 2));
  g.length = c.length;
  for (const key of ['person', 'partner', 'start', 'end', 'outcomeDay', 'followUp', 'outcome', 'measures', 'pyramide', 'dept', 'requester'] as const) {
    (g[key] as Int32Array).set(c[key] as Int32Array);
  }
  return g;
}

/** The cell tables and their primary keys (as in migration 003). */
const CELL_KEYS: Record<string, string> = {
  metric_outcome_cells: 'month, departement, partner_id, pyramide, outcome, credited, case_maintien, disagreement',
  metric_measure_cells: 'month, departement, partner_id, measure, requester, credited, case_maintien',
  metric_overlap_cells: 'month, departement, scope, level, members',
};

/**
 * Replaces the content of the cell tables with COPY; returns the rows written. In the caller's
 * transaction: readers keep seeing the old cells until it commits. The primary keys are dropped
 * and built again after the COPY, over rows written in key order (PostgreSQL checks they are
 * sorted instead of sorting them): no B-tree descent per row.
 */
export async function copyCells(tx: Sql & Required<Pick<Sql, 'copyIn'>>, cells: CellAccumulator, partners: PartnerNames): Promise<number> {
  await tx.query(`TRUNCATE ${Object.keys(CELL_KEYS).join(', ')}`);
  for (const table of Object.keys(CELL_KEYS)) await tx.query(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_pkey`);
  const written = await copyRows(tx, cells, partners);
  for (const [table, key] of Object.entries(CELL_KEYS)) await tx.query(`ALTER TABLE ${table} ADD CONSTRAINT ${table}_pkey PRIMARY KEY (${key})`);
  return written;
}

async function copyRows(tx: Sql & Required<Pick<Sql, 'copyIn'>>, cells: CellAccumulator, partners: PartnerNames): Promise<number> {
  let written = 0;
  written += await tx.copyIn(
    'COPY metric_outcome_cells (month, departement, partner_id, category, pyramide, outcome, credited, case_maintien, disagreement, n) FROM STDIN',
    cells.outcomeCopy(partners),
  );
  written += await tx.copyIn('COPY metric_measure_cells (month, departement, partner_id, category, measure, requester, credited, case_maintien, n) FROM STDIN', cells.measureCopy(partners));
  written += await tx.copyIn('COPY metric_overlap_cells (month, departement, scope, level, members, size, n) FROM STDIN', cells.overlapCopy(partners));
  return written;
}
