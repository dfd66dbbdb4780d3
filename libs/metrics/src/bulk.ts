import { Database, Sql } from '@pdp/db';
import { CellAccumulator, PartnerNames } from './accumulator';
import { allocateColumns, EventColumns, isShared } from './events';
import { MetricCellStore } from './metric-cell.store';
import { OutcomeLogStore } from './outcome-log.store';
import { departementIndex, DEPARTEMENTS } from './territory';

/**
 * Bulk transfers of a rebuild, with COPY (PostgreSQL server only, see Sql.copyOut/copyIn):
 * the outcome log read in binary straight into typed columns, and the aggregates written as
 * COPY text. 10 million events are about 600 MB of binary tuples: no row objects, no strings
 * except the (tiny) département codes.
 */

type CopySql = Sql & Required<Pick<Sql, 'copyOut'>>;

/** Reads the whole outcome log into columns with one COPY … TO STDOUT (FORMAT binary). */
export async function copyLog(tx: CopySql, shared = false): Promise<EventColumns> {
  const log = new OutcomeLogStore(tx);
  const parser = new BinaryLogParser(new LogColumns(await estimatedEvents(log), shared));
  for await (const chunk of log.copy(null)) parser.push(chunk);
  return parser.finish();
}

/** The planner's estimate sizes the arrays; they grow if the log is larger. */
async function estimatedEvents(log: OutcomeLogStore): Promise<number> {
  return Math.max(1024, Math.ceil((await log.estimatedEvents()) * 1.02));
}

/**
 * The read of a rebuild on two connections: the rebuild's transaction COPYs the first half of
 * the log's pages, a second transaction of the pool the other half, on the rebuild's snapshot
 * (pg_export_snapshot): two PostgreSQL backends produce the log at once, the rebuild parses
 * both streams. The second connection is taken before the rebuild locks the metrics (create
 * the reader first, wait for `ready`), so a pool full of batches waiting for that lock cannot
 * hold it up; when none comes quickly the read stays on one connection.
 */
export class ParallelLogReader {
  private helper: Promise<void> | null = null;
  private connected = false;
  private job: ((tx: CopySql) => Promise<void>) | null = null;
  private release: (job: ((tx: CopySql) => Promise<void>) | null) => void = () => undefined;

  constructor(db: Database) {
    const jobGiven = new Promise<((tx: CopySql) => Promise<void>) | null>((resolve) => (this.release = resolve));
    let onConnected: () => void = () => undefined;
    this.ready = new Promise<void>((resolve) => (onConnected = resolve));
    this.helper = db
      .transaction(async (tx) => {
        this.connected = true;
        onConnected();
        const job = await jobGiven;
        if (job !== null && tx.copyOut) await job(tx as CopySql);
      })
      .finally(onConnected);
    this.helper.catch(() => undefined); // observed by read()
  }

  /** Resolves once the second connection is in hand (or its transaction failed). */
  readonly ready: Promise<void>;

  /** Waits at most ms for the second connection. */
  async waitReady(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.ready, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
  }

  /** Reads the log (tx: the rebuild's transaction, the metrics locked); shared: columns on SharedArrayBuffers. */
  async read(tx: CopySql, shared = false): Promise<EventColumns> {
    if (!this.connected) {
      this.close();
      return copyLog(tx, shared);
    }
    const log = new OutcomeLogStore(tx);
    const { snapshot, pages } = await log.exportSnapshot();
    const half = Math.ceil(pages / 2);
    const columns = new LogColumns(await estimatedEvents(log), shared);
    const copyInto = async (source: OutcomeLogStore, pages: { from: number; to: number | null }) => {
      const parser = new BinaryLogParser(columns);
      for await (const chunk of source.copy(pages)) parser.push(chunk);
      parser.finish();
    };
    this.release(async (helperTx) => {
      const helperLog = new OutcomeLogStore(helperTx);
      await helperLog.joinSnapshot(snapshot);
      await copyInto(helperLog, { from: half, to: null });
    });
    // Both halves are read whatever happens to the other, so the helper's transaction has ended when this returns.
    const [own, other] = await Promise.allSettled([copyInto(log, { from: 0, to: half }), this.helper!]);
    if (own.status === 'rejected') throw own.reason;
    if (other.status === 'rejected') throw other.reason;
    return columns.c;
  }

  /** Lets the second transaction end (when read() is not called). */
  close(): void {
    this.release(null);
  }
}

/** The columns being filled, shared by the parsers of the streams of one read (they append in turn). */
export class LogColumns {
  c: EventColumns;

  constructor(capacity: number, shared = false) {
    this.c = allocateColumns(capacity, shared);
  }
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
  private rest: Buffer | null = null;
  private headerDone = false;
  private ended = false;

  /** into: the columns this stream's events are appended to (shared with other streams' parsers). */
  constructor(private readonly into: LogColumns) {}

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
    return this.into.c;
  }

  /** Parses every complete tuple from pos; returns where the first incomplete one starts. */
  private parse(b: Buffer, pos: number): number {
    const end = b.length;
    let c = this.into.c;
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
        if (fields !== 5) throw new Error(`outcome log: ${fields} columns in a COPY tuple, 5 expected`);
        // Layout: 3 × (length 4 + int8), (length 4 + int4), then the text (length 4 + bytes).
        const deptAt = pos + 2 + 3 * 12 + 8; // the text field's length word
        if (deptAt + 4 > end) return pos;
        const deptLen = (b[deptAt] << 24) | (b[deptAt + 1] << 16) | (b[deptAt + 2] << 8) | b[deptAt + 3];
        if (deptLen < 0) throw new Error('outcome log: NULL département');
        const next = deptAt + 4 + deptLen;
        if (next > end) return pos;
        if (k === cap) {
          c.length = k;
          c = this.into.c = grow(c);
          cap = c.person.length;
          ({ person, partner, start, end: ends, outcomeDay, followUp, outcome, measures, pyramide, dept: depts, requester } = c);
        }
        let p = pos + 6;
        person[k] = (b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3];
        outcomeDay[k] = (b[p + 4] << 24) | (b[p + 5] << 16) | (b[p + 6] << 8) | b[p + 7];
        p += 12;
        partner[k] = (b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3];
        measures[k] = (b[p + 4] << 24) | (b[p + 5] << 16) | (b[p + 6] << 8) | b[p + 7];
        p += 12;
        start[k] = (b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3];
        ends[k] = (b[p + 4] << 24) | (b[p + 5] << 16) | (b[p + 6] << 8) | b[p + 7];
        p += 12;
        // The packed codes, big-endian: requester, pyramide, outcome, follow-up.
        requester[k] = b[p];
        pyramide[k] = b[p + 1];
        outcome[k] = b[p + 2];
        followUp[k] = b[p + 3];
        p = deptAt + 4;
        let d = -1;
        if (deptLen === 2) d = DEPT_BY_2_BYTES[(b[p] << 8) | b[p + 1]];
        else if (deptLen === 3) d = DEPT_BY_BYTES.get((b[p] << 16) | (b[p + 1] << 8) | b[p + 2]) ?? -1;
        if (d < 0) d = departementIndex(b.toString('utf8', p, p + deptLen));
        depts[k] = d;
        k++;
        pos = next;
      }
    } finally {
      c.length = k;
    }
  }
}

function grow(c: EventColumns): EventColumns {
  const g = allocateColumns(Math.max(1024, c.person.length * 2), isShared(c));
  g.length = c.length;
  for (const key of ['person', 'partner', 'start', 'end', 'outcomeDay', 'followUp', 'outcome', 'measures', 'pyramide', 'dept', 'requester'] as const) {
    (g[key] as Int32Array).set(c[key] as Int32Array);
  }
  return g;
}

/**
 * Replaces the content of the cell tables with COPY; returns the rows written. In the caller's
 * transaction: readers keep seeing the old cells until it commits. The primary keys are dropped
 * and built again after the COPY, over rows written in key order (PostgreSQL checks they are
 * sorted instead of sorting them): no B-tree descent per row.
 */
export async function copyCells(tx: Sql & Required<Pick<Sql, 'copyIn'>>, cells: CellAccumulator, partners: PartnerNames): Promise<number> {
  const store = new MetricCellStore(tx);
  await store.truncate();
  await store.dropKeys();
  let written = 0;
  written += await store.copyOutcomeCells(cells.outcomeCopy(partners));
  written += await store.copyMeasureCells(cells.measureCopy(partners));
  written += await store.copyOverlapCells(cells.overlapCopy(partners));
  await store.addKeys();
  return written;
}
