import { Database, Sql } from '@pdp/db';
import { FollowUpPoint, Measure, OutcomeKind, PreRepriseRequester, PyramideLevel } from '@pdp/contracts';
import { CellAccumulator, MeasureCellRow, OutcomeCellRow, OverlapCellRow } from './accumulator';
import { measuresToBits, PYRAMIDE, REQUESTERS, toDay } from './codes';
import { FOLLOW_UP_POINTS, OUTCOMES } from '@pdp/domain';
import { contributePerson, contributeRun, DedupOptions, PartnerLookup } from './dedup';
import { copyCells, ParallelLogReader } from './bulk';
import { allocateColumns, EventColumns, groupByPerson, isShared, pushEvent, sortByPerson } from './events';
import { ComputeWorker } from './parallel';
import { PartnerDictionary } from './partners';
import { departementIndex, DEPARTEMENTS } from './territory';

/** An outcome report as the metrics keep it: pseudonymised, validated, reporter known. */
export interface RecordedOutcome {
  reporterId: string;
  reporterCategory: string;
  reportId: string;
  messageId: string;
  personPseudonym: string;
  startDate: string;
  /** End of the accompaniment window (the outcome date when the report gives none). */
  endDate: string;
  outcomeDate: string;
  followUpPoint: FollowUpPoint;
  outcome: OutcomeKind;
  measures: Measure[];
  pyramide?: PyramideLevel;
  departement?: string;
  preRepriseRequester?: PreRepriseRequester;
}

// Advisory locks: incremental batches share METRICS_LOCK, a rebuild takes it alone; PERSON_LOCK
// serialises the batches touching one person (its cases are recomputed from its whole history).
const METRICS_LOCK = 4242400;
const PERSON_LOCK = 4242401;

const EVENT_COLUMNS = 'person_no, partner_no, start_day, end_day, outcome_day, follow_up, outcome, measures, pyramide, departement, requester';

/**
 * The outcome metrics in PostgreSQL. A batch of new reports only recomputes the cases of the
 * persons it touches: their old contributions are retracted and the new ones added, as deltas on
 * the aggregate cells. A rebuild recomputes every cell from the outcome log with the same code,
 * so both give the same numbers.
 */
export class OutcomeMetricsStore {
  private readonly partners = new PartnerDictionary();
  private loaded = false;

  constructor(
    private readonly db: Database,
    private readonly options: DedupOptions,
  ) {}

  async record(outcomes: RecordedOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    // A report re-sent within the batch: its last version stands.
    const latest = [...new Map(outcomes.map((o) => [`${o.reporterId}\u0000${o.reportId}`, o])).values()];
    // The partner dictionary is shared by concurrent batches: its rows are committed first, on
    // their own (see PartnerDictionary.ensure).
    if (!this.loaded) await this.partners.load(this.db);
    this.loaded = true;
    const partnerNos = await this.partners.ensure(
      this.db,
      latest.map((o) => ({ id: o.reporterId, category: o.reporterCategory })),
    );
    await this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock_shared($1)', [METRICS_LOCK]);
      const personNos = await ensurePersons(
        tx,
        latest.map((o) => o.personPseudonym),
      );
      const persons = [...new Set(personNos.values())].sort((a, b) => a - b);
      await tx.query('SELECT pg_advisory_xact_lock($1, p) FROM unnest($2::int[]) AS p', [PERSON_LOCK, persons]);

      const deltas = new CellAccumulator();
      this.contribute(await readPersons(tx, persons), deltas, -1);
      await recordSuperseded(tx, outcomes, latest, partnerNos);
      await upsertEvents(tx, latest, partnerNos, personNos);
      this.contribute(await readPersons(tx, persons), deltas, +1);
      await writeCells(tx, deltas, this.partners, 'add');
    });
  }

  /** Recomputes every aggregate from the outcome log; returns how many events were read, and the time of each phase. */
  async rebuild(): Promise<{ events: number; cells: number; ms: number; phases: { readMs: number; computeMs: number; writeMs: number } }> {
    const started = Date.now();
    return this.db.transaction(async (tx) => {
      // COPY where the database has it (PostgreSQL server), on two connections when the pool
      // gives a second one quickly; paged queries otherwise (PGlite). There, a second compute
      // thread where there is a second core (started now: it loads while the log is read).
      const worker = tx.copyOut ? ComputeWorker.start() : null;
      try {
        const reader = tx.copyOut ? new ParallelLogReader(this.db) : null;
        try {
          await reader?.waitReady(2000);
          await tx.query('SELECT pg_advisory_xact_lock($1)', [METRICS_LOCK]);
          await this.partners.load(tx);
        } catch (e) {
          reader?.close();
          throw e;
        }
        this.loaded = true;
        const columns = reader ? await reader.read(tx as Sql & Required<Pick<Sql, 'copyOut'>>, worker !== null) : await readLog(tx);
        const read = Date.now();
        const cells = worker && isShared(columns) ? await worker.compute(columns, this.options, this.partners) : computeCells(columns, this.options, this.partners);
        const computed = Date.now();
        await worker?.stop();
        // In this transaction: readers see the old cells until the commit, then the new ones.
        if (tx.copyIn) await copyCells(tx as Sql & Required<Pick<Sql, 'copyIn'>>, cells, this.partners);
        else {
          await tx.query('TRUNCATE metric_outcome_cells, metric_measure_cells, metric_overlap_cells');
          await writeCells(tx, cells, this.partners, 'insert');
        }
        const done = Date.now();
        return {
          events: columns.length,
          cells: cells.outcomes.size + cells.measures.size + cells.overlaps.size,
          ms: done - started,
          phases: { readMs: read - started, computeMs: computed - read, writeMs: done - computed },
        };
      } finally {
        await worker?.stop();
      }
    });
  }

  /** Every non-empty cell, in a stable order (tests compare an incremental state with a rebuild). */
  async cells(): Promise<{ outcomes: OutcomeCellRow[]; measures: MeasureCellRow[]; overlaps: OverlapCellRow[] }> {
    const outcomes = await this.db.query<OutcomeCellRow>(
      `SELECT to_char(month, 'YYYY-MM-DD') AS month, departement, partner_id AS "partnerId", category, pyramide, outcome, credited,
              case_maintien AS "caseMaintien", disagreement, n::int AS n
         FROM metric_outcome_cells WHERE n <> 0 ORDER BY 1, 2, 3, 5, 6, 7, 8, 9`,
    );
    const measures = await this.db.query<MeasureCellRow>(
      `SELECT to_char(month, 'YYYY-MM-DD') AS month, departement, partner_id AS "partnerId", category, measure, requester, credited,
              case_maintien AS "caseMaintien", n::int AS n
         FROM metric_measure_cells WHERE n <> 0 ORDER BY 1, 2, 3, 5, 6, 7, 8`,
    );
    const overlaps = await this.db.query<OverlapCellRow>(
      `SELECT to_char(month, 'YYYY-MM-DD') AS month, departement, scope, level, members, size, n::int AS n
         FROM metric_overlap_cells WHERE n <> 0 ORDER BY 1, 2, 3, 4, 5`,
    );
    return { outcomes: outcomes.rows, measures: measures.rows, overlaps: overlaps.rows };
  }

  private contribute(columns: EventColumns, sink: CellAccumulator, sign: number): void {
    const { order, offsets } = groupByPerson(columns);
    for (let k = 0; k + 1 < offsets.length; k++) {
      contributePerson(columns, Array.from(order.subarray(offsets[k], offsets[k + 1])), this.options, this.partners, sink, sign);
    }
  }
}

/** Every cell of the outcome log (a rebuild): the columns are reordered by person. */
export function computeCells(columns: EventColumns, options: DedupOptions, partners: PartnerLookup): CellAccumulator {
  const cells = new CellAccumulator();
  const offsets = sortByPerson(columns);
  for (let k = 0; k + 1 < offsets.length; k++) contributeRun(columns, offsets[k], offsets[k + 1], options, partners, cells, 1);
  return cells;
}

async function ensurePersons(tx: Sql, pseudonyms: string[]): Promise<Map<string, number>> {
  // Sorted: concurrent batches (one per partition) meeting the same new persons insert them in
  // the same order, so they wait on each other's unique-index entries instead of deadlocking.
  const unique = [...new Set(pseudonyms)].sort();
  // Insert only the new ones: a conflicting insert would still burn a sequence number.
  await tx.query(
    `INSERT INTO metric_persons (person_pseudonym)
     SELECT p FROM unnest($1::text[]) AS p WHERE NOT EXISTS (SELECT 1 FROM metric_persons m WHERE m.person_pseudonym = p)
     ON CONFLICT (person_pseudonym) DO NOTHING`,
    [unique],
  );
  const { rows } = await tx.query<{ person_no: number; person_pseudonym: string }>('SELECT person_no, person_pseudonym FROM metric_persons WHERE person_pseudonym = ANY($1::text[])', [unique]);
  return new Map(rows.map((r) => [r.person_pseudonym, r.person_no]));
}

interface EventRow {
  person_no: number;
  partner_no: number;
  start_day: number;
  end_day: number;
  outcome_day: number;
  follow_up: number;
  outcome: number;
  measures: number;
  pyramide: number;
  departement: string;
  requester: number;
}

async function readPersons(tx: Sql, persons: number[]): Promise<EventColumns> {
  const { rows } = await tx.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM outcome_events WHERE person_no = ANY($1::int[])`, [persons]);
  const c = allocateColumns(rows.length);
  for (const r of rows) {
    pushEvent(c, {
      person: r.person_no,
      partner: r.partner_no,
      start: r.start_day,
      end: r.end_day,
      outcomeDay: r.outcome_day,
      followUp: r.follow_up,
      outcome: r.outcome,
      measures: r.measures,
      pyramide: r.pyramide,
      dept: departementIndex(r.departement),
      requester: r.requester,
    });
  }
  return c;
}

/**
 * The messages this batch replaces: the logged versions of its reports that came in another
 * message, and the earlier versions within the batch. Their senders still find them counted.
 */
async function recordSuperseded(tx: Sql, outcomes: RecordedOutcome[], latest: RecordedOutcome[], partnerNos: Map<string, number>): Promise<void> {
  const kept = new Set(latest.map((o) => o.messageId));
  const earlier = outcomes.filter((o) => !kept.has(o.messageId));
  await tx.query(
    `INSERT INTO outcome_superseded (message_id, partner_no, report_id)
     SELECT e.message_id, e.partner_no, e.report_id FROM outcome_events e
       JOIN unnest($1::int[], $2::text[], $3::text[]) AS t(p, r, m) ON e.partner_no = t.p AND e.report_id = t.r AND e.message_id <> t.m
     UNION ALL SELECT * FROM unnest($4::text[], $5::int[], $6::text[])
     ON CONFLICT DO NOTHING`,
    [
      latest.map((o) => partnerNos.get(o.reporterId)!),
      latest.map((o) => o.reportId),
      latest.map((o) => o.messageId),
      earlier.map((o) => o.messageId),
      earlier.map((o) => partnerNos.get(o.reporterId)!),
      earlier.map((o) => o.reportId),
    ],
  );
}

async function upsertEvents(tx: Sql, outcomes: RecordedOutcome[], partnerNos: Map<string, number>, personNos: Map<string, number>): Promise<void> {
  const col = <T>(f: (o: RecordedOutcome) => T) => outcomes.map(f);
  await tx.query(
    `INSERT INTO outcome_events (partner_no, report_id, person_no, start_day, end_day, outcome_day, follow_up, outcome, measures, pyramide, departement, requester, message_id)
     SELECT * FROM unnest($1::int[], $2::text[], $3::int[], $4::int[], $5::int[], $6::int[], $7::smallint[], $8::smallint[], $9::int[], $10::smallint[], $11::text[], $12::smallint[], $13::text[])
     ON CONFLICT (partner_no, report_id) DO UPDATE SET person_no = excluded.person_no, start_day = excluded.start_day, end_day = excluded.end_day,
       outcome_day = excluded.outcome_day, follow_up = excluded.follow_up, outcome = excluded.outcome, measures = excluded.measures,
       pyramide = excluded.pyramide, departement = excluded.departement, requester = excluded.requester, message_id = excluded.message_id, received_at = now()`,
    [
      col((o) => partnerNos.get(o.reporterId)!),
      col((o) => o.reportId),
      col((o) => personNos.get(o.personPseudonym)!),
      col((o) => toDay(o.startDate)),
      col((o) => toDay(o.endDate)),
      col((o) => toDay(o.outcomeDate)),
      col((o) => FOLLOW_UP_POINTS.indexOf(o.followUpPoint)),
      col((o) => OUTCOMES.indexOf(o.outcome)),
      col((o) => measuresToBits(o.measures)),
      col((o) => Math.max(0, PYRAMIDE.indexOf(o.pyramide ?? 'unknown'))),
      col((o) => DEPARTEMENTS[departementIndex(o.departement)]),
      col((o) => Math.max(0, REQUESTERS.indexOf(o.preRepriseRequester ?? 'none'))),
      col((o) => o.messageId),
    ],
  );
}

// Rows per page of the log read: one text value per page, parsed in place (no row objects).
const PAGE = 250_000;

/** Reads the whole outcome log into columns, page by page in event order. */
async function readLog(tx: Sql): Promise<EventColumns> {
  const { rows } = await tx.query<{ n: string }>('SELECT count(*) AS n FROM outcome_events');
  const c = allocateColumns(Number(rows[0].n));
  let after = 0;
  for (;;) {
    const page = await tx.query<{ last: string | null; lines: string | null }>(
      `SELECT max(event_no) AS last,
              string_agg(concat_ws(',', ${EVENT_COLUMNS}), E'\\n') AS lines
         FROM (SELECT event_no, ${EVENT_COLUMNS} FROM outcome_events WHERE event_no > $1 ORDER BY event_no LIMIT $2) page`,
      [after, PAGE],
    );
    const { last, lines } = page.rows[0];
    if (last === null || lines === null) break;
    parseLines(lines, c);
    after = Number(last);
  }
  return c;
}

/** Parses "person,partner,start,end,outcomeDay,followUp,outcome,measures,pyramide,dept,requester" lines. */
export function parseLines(text: string, c: EventColumns): void {
  let i = 0;
  const n = text.length;
  const readInt = (): number => {
    let neg = false;
    if (text.charCodeAt(i) === 45) {
      neg = true;
      i++;
    }
    let v = 0;
    for (let ch = text.charCodeAt(i); ch >= 48 && ch <= 57; ch = text.charCodeAt(++i)) v = v * 10 + (ch - 48);
    i++; // the separator
    return neg ? -v : v;
  };
  while (i < n) {
    const k = c.length++;
    c.person[k] = readInt();
    c.partner[k] = readInt();
    c.start[k] = readInt();
    c.end[k] = readInt();
    c.outcomeDay[k] = readInt();
    c.followUp[k] = readInt();
    c.outcome[k] = readInt();
    c.measures[k] = readInt();
    c.pyramide[k] = readInt();
    const from = i;
    while (i < n && text.charCodeAt(i) !== 44) i++;
    c.dept[k] = departementIndex(text.slice(from, i));
    i++;
    c.requester[k] = readInt();
  }
}

// Large chunks: fewer round trips; ~200k rows/s through unnest arrays on this machine.
const CHUNK = 50_000;

/** Writes cells: 'add' upserts deltas (n += delta), 'insert' fills emptied tables. */
async function writeCells(tx: Sql, cells: CellAccumulator, partners: PartnerDictionary, mode: 'add' | 'insert'): Promise<void> {
  const add = (table: string, key: string) => (mode === 'add' ? ` ON CONFLICT (${key}) DO UPDATE SET n = ${table}.n + excluded.n` : '');
  // Deltas are written in key order, so concurrent batches take row locks in the same order.
  if (mode === 'add') cells.sortKeys();
  const outcomes = cells.outcomeRows(partners);
  for (let i = 0; i < outcomes.length; i += CHUNK) {
    const rows = outcomes.slice(i, i + CHUNK);
    await tx.query(
      `INSERT INTO metric_outcome_cells (month, departement, partner_id, category, pyramide, outcome, credited, case_maintien, disagreement, n)
       SELECT * FROM unnest($1::date[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::boolean[], $8::boolean[], $9::boolean[], $10::bigint[])` +
        add('metric_outcome_cells', 'month, departement, partner_id, pyramide, outcome, credited, case_maintien, disagreement'),
      [
        rows.map((r) => r.month),
        rows.map((r) => r.departement),
        rows.map((r) => r.partnerId),
        rows.map((r) => r.category),
        rows.map((r) => r.pyramide),
        rows.map((r) => r.outcome),
        rows.map((r) => r.credited),
        rows.map((r) => r.caseMaintien),
        rows.map((r) => r.disagreement),
        rows.map((r) => r.n),
      ],
    );
  }
  const measures = cells.measureRows(partners);
  for (let i = 0; i < measures.length; i += CHUNK) {
    const rows = measures.slice(i, i + CHUNK);
    await tx.query(
      `INSERT INTO metric_measure_cells (month, departement, partner_id, category, measure, requester, credited, case_maintien, n)
       SELECT * FROM unnest($1::date[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::boolean[], $8::boolean[], $9::bigint[])` +
        add('metric_measure_cells', 'month, departement, partner_id, measure, requester, credited, case_maintien'),
      [
        rows.map((r) => r.month),
        rows.map((r) => r.departement),
        rows.map((r) => r.partnerId),
        rows.map((r) => r.category),
        rows.map((r) => r.measure),
        rows.map((r) => r.requester),
        rows.map((r) => r.credited),
        rows.map((r) => r.caseMaintien),
        rows.map((r) => r.n),
      ],
    );
  }
  const overlaps = cells.overlapRows(partners);
  for (let i = 0; i < overlaps.length; i += CHUNK) {
    const rows = overlaps.slice(i, i + CHUNK);
    await tx.query(
      `INSERT INTO metric_overlap_cells (month, departement, scope, level, members, size, n)
       SELECT * FROM unnest($1::date[], $2::text[], $3::text[], $4::text[], $5::text[], $6::smallint[], $7::bigint[])` + add('metric_overlap_cells', 'month, departement, scope, level, members'),
      [rows.map((r) => r.month), rows.map((r) => r.departement), rows.map((r) => r.scope), rows.map((r) => r.level), rows.map((r) => r.members), rows.map((r) => r.size), rows.map((r) => r.n)],
    );
  }
}
