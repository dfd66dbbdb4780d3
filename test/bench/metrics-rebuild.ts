/**
 * Time to rebuild the harmonised outcome metrics from N outcome events (docs/performance.md: 10 million in
 * ≤ 30 s). A fresh database is migrated, then filled FAST with a synthetic outcome log shaped
 * like libs/generator's population (partners per département and région, PDP cases followed by
 * one to four partners, end / 3 / 6 / 12-month reports, disagreements, measures), written with
 * COPY … FREEZE; the rebuild is then timed exactly as POST /v1/metrics/rebuild calls it.
 *
 * Alone: `npm run build:bench && node dist/test/bench/metrics-rebuild.js 10000000`
 */
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import * as v8 from 'v8';
import * as vm from 'vm';
import { migrate, PgDatabase } from '@pdp/db';
import { buildPartners, departementTable, GeneratedPartner, Rng } from '@pdp/generator';
import { DEFAULT_METRICS_CONFIG } from '@pdp/config';
import { DEPARTEMENTS, OutcomeMetricsStore, PYRAMIDE, REQUESTERS } from '@pdp/metrics';
import { MEASURES, OUTCOMES } from '@pdp/domain';
import { createTestDatabase } from '../support/postgres';
import { benchDatabaseServer } from './database-server';
import { cpuByPid } from './cpu';

export interface MetricsRebuildResult {
  events: number;
  loadSeconds: number;
  rebuildSeconds: number;
  aggregateRows: number;
  eventsPerSecond: number;
  peakRssMb: number;
  /** RSS when the rebuild started (the load ran in this process before). */
  rssBeforeRebuildMb: number;
  /** The rebuild's own report: time reading the log, computing the cells, writing them. */
  phases: { readSeconds: number; computeSeconds: number; writeSeconds: number };
  /**
   * CPU seconds during the rebuild: this process (all its threads), every PostgreSQL process
   * (the machine is shared: other work counts too), and the backends of the benchmark's own
   * database (the rebuild's connections).
   */
  cpuSeconds: { node: number; postgresql: number; postgresqlOwn: number };
}

const DAY_2023_01_01 = 19358;
/** Cases start over this many months (the log of a few years of national activity). */
const MONTHS = 36;

const O = (o: (typeof OUTCOMES)[number]) => OUTCOMES.indexOf(o);
const M = (m: (typeof MEASURES)[number]) => 1 << MEASURES.indexOf(m);
const P = (p: (typeof PYRAMIDE)[number]) => PYRAMIDE.indexOf(p);

// The generator's distributions (libs/generator/src/population.ts), as codes.
// prettier-ignore
const PYRAMIDE_W: [number, number][] = [[P('T1'), 5], [P('T2'), 35], [P('T3a'), 25], [P('T3b'), 20], [P('T4'), 15]];
// prettier-ignore
const TRUE_OUTCOMES: Record<number, [number, number][]> = {
  [P('T1')]: [[O('kept-at-post'), 80], [O('post-adapted'), 15], [O('lost-to-follow-up'), 5]],
  [P('T2')]: [[O('kept-at-post'), 55], [O('post-adapted'), 25], [O('redeployed-internal'), 5], [O('unfit-dismissed'), 8], [O('lost-to-follow-up'), 7]],
  [P('T3a')]: [[O('redeployed-internal'), 40], [O('post-adapted'), 20], [O('kept-at-post'), 5], [O('unfit-dismissed'), 25], [O('training-retraining'), 5], [O('lost-to-follow-up'), 5]],
  [P('T3b')]: [[O('redeployed-external'), 30], [O('training-retraining'), 25], [O('unfit-dismissed'), 35], [O('retirement'), 5], [O('lost-to-follow-up'), 5]],
  [P('T4')]: [[O('invalidity'), 30], [O('unfit-dismissed'), 40], [O('post-adapted'), 10], [O('redeployed-external'), 5], [O('retirement'), 10], [O('lost-to-follow-up'), 5]],
};
// prettier-ignore
const MEASURES_BY_CATEGORY: Record<string, [number, number][]> = {
  spsti: [[M('visite-pre-reprise'), 0.5], [M('visite-reprise'), 0.6], [M('rendez-vous-liaison'), 0.3], [M('amenagement-poste'), 0.4], [M('essai-encadre'), 0.15], [M('temps-partiel-therapeutique'), 0.3]],
  'service-social-carsat': [[M('essai-encadre'), 0.3], [M('crpe'), 0.1], [M('bilan-competences'), 0.2], [M('cep'), 0.2], [M('ptp-transition-pro'), 0.1], [M('formation-reconversion'), 0.15]],
  'cap-emploi': [[M('aide-agefiph'), 0.6], [M('amenagement-poste'), 0.5], [M('dossier-mdph-rqth'), 0.4]],
  'france-travail': [[M('formation-reconversion'), 0.4], [M('cep'), 0.3]],
};
const REQUESTER_W: [number, number][] = [
  [REQUESTERS.indexOf('worker'), 20],
  [REQUESTERS.indexOf('medecin-traitant'), 30],
  [REQUESTERS.indexOf('medecin-conseil'), 30],
  [REQUESTERS.indexOf('medecin-du-travail'), 20],
];
const PRE_REPRISE = M('visite-pre-reprise');
const UNFIT = O('unfit-dismissed');
const FOLLOW = { end: 0, '3m': 1, '6m': 2, '12m': 3 };
/** Events shuffled into arrival order at a time (far beyond the CPU caches). */
const WINDOW = 400_000;

interface Partner {
  no: number;
  category: string;
}

/**
 * Streams the synthetic outcome log as COPY text lines (event_no, partner_no, report_id,
 * person_no, start_day, end_day, outcome_day, follow_up, outcome, measures, pyramide,
 * departement, requester, message_id), person after person, until `events` lines.
 */
class LogWriter {
  events = 0;
  persons = 0;
  cases = 0;
  private buf: string[] = [];
  private readonly rng: Rng;
  private readonly deps = departementTable(DEPARTEMENTS.slice(1, -1));
  private readonly byDep = new Map<string, { spsti: Partner[]; cap: Partner; carsat: Partner; medical: Partner; travail: Partner }>();

  constructor(
    seed: number,
    private readonly limit: number,
    partners: (GeneratedPartner & { no: number })[],
  ) {
    this.rng = new Rng(seed);
    for (const d of DEPARTEMENTS.slice(1, -1)) {
      const of = (pred: (p: GeneratedPartner) => boolean) => partners.filter(pred).map((p) => ({ no: p.no, category: p.category }));
      const own = (p: GeneratedPartner) => p.departements.includes(d);
      this.byDep.set(d, {
        spsti: of((p) => p.category === 'spsti' && own(p)),
        cap: of((p) => p.category === 'cap-emploi' && own(p))[0],
        carsat: of((p) => p.category === 'service-social-carsat' && own(p))[0],
        medical: of((p) => p.category === 'service-medical' && own(p))[0],
        travail: of((p) => p.category === 'france-travail' && own(p))[0],
      });
    }
  }

  get done(): boolean {
    return this.events >= this.limit;
  }

  /**
   * The lines of the next WINDOW events in the order they would arrive (by report day), not
   * person after person: a real log interleaves persons, so a person's reports are far apart.
   */
  chunk(): string {
    this.buf = [];
    this.days = [];
    while (!this.done && this.buf.length < WINDOW) this.person();
    const order = Array.from(this.buf.keys()).sort((a, b) => this.days[a] - this.days[b]);
    return order.map((i) => this.buf[i]).join('');
  }
  private days: number[] = [];

  private person(): void {
    const rng = this.rng;
    const person = ++this.persons;
    const dep = this.deps.pick(rng);
    const at = this.byDep.get(dep)!;
    const spsti = rng.pick(at.spsti);
    // Persons in the log had at least one PDP case; a quarter of them a second, some a third.
    const cases = 1 + (rng.bool(0.25) ? 1 + (rng.bool(0.2) ? 1 : 0) : 0);
    let start = DAY_2023_01_01 + rng.int(0, MONTHS * 30);
    for (let k = 0; k < cases && !this.done; k++) {
      const caseEnd = this.pdpCase(person, dep, at, spsti, start);
      start = caseEnd + DEFAULT_METRICS_CONFIG.dedupGapDays + rng.int(10, 300);
    }
  }

  private pdpCase(person: number, dep: string, at: { cap: Partner; carsat: Partner; medical: Partner; travail: Partner }, spsti: Partner, start: number): number {
    const rng = this.rng;
    this.cases++;
    const pyramide = rng.weighted(PYRAMIDE_W);
    const heavy = pyramide === P('T3b') || pyramide === P('T4');
    const rqth = rng.bool(heavy ? 0.45 : 0.12);
    const truth = rng.weighted(TRUE_OUTCOMES[pyramide]);
    const chef = heavy ? at.carsat : spsti;
    const involved: { p: Partner; referral: number }[] = [{ p: spsti, referral: start + rng.int(10, 60) }];
    if (heavy || rng.bool(pyramide === P('T3a') ? 0.6 : 0.25)) involved.push({ p: at.carsat, referral: start + rng.int(30, 120) });
    if (rqth ? rng.bool(0.8) : rng.bool(0.05)) involved.push({ p: at.cap, referral: start + rng.int(90, 400) });
    const lastReferral = Math.max(...involved.map((v) => v.referral));
    const caseEnd = lastReferral + rng.int(45, 180);
    if (truth === UNFIT && rng.bool(0.5)) involved.push({ p: at.travail, referral: caseEnd - rng.int(0, 30) });
    if (!involved.some((v) => v.p === chef)) involved.push({ p: chef, referral: caseEnd - 45 });
    const with6m = rng.bool(0.6);
    const with12m = with6m && rng.bool(0.3);
    const opinion = () => (rng.bool(0.12) ? (truth + 1 + rng.int(0, OUTCOMES.length - 2)) % OUTCOMES.length : truth);
    for (const v of involved) {
      const isChef = v.p === chef;
      const windowEnd = isChef ? caseEnd : caseEnd - rng.int(1, 25);
      const windowStart = v.referral < windowEnd ? v.referral : windowEnd - 30;
      let measures = 0;
      for (const [bit, p] of MEASURES_BY_CATEGORY[v.p.category] ?? []) if (rng.bool(p)) measures |= bit;
      const requester = measures & PRE_REPRISE ? rng.weighted(REQUESTER_W) : 0;
      const report = (point: number, day: number, outcome: number) => {
        if (this.done) return;
        const no = ++this.events;
        this.days.push(day);
        this.buf.push(`${no}\t${v.p.no}\tr${no}\t${person}\t${windowStart}\t${windowEnd}\t${day}\t${point}\t${outcome}\t${measures}\t${pyramide}\t${dep}\t${requester}\tm${no}\n`);
      };
      if (isChef) {
        report(FOLLOW.end, windowEnd, with6m ? opinion() : truth);
        if (with6m) report(FOLLOW['6m'], caseEnd + 182, truth);
        if (with12m) report(FOLLOW['12m'], caseEnd + 365, truth);
      } else {
        if (rng.bool(0.9)) report(FOLLOW.end, windowEnd, opinion());
        if (with6m && rng.bool(0.2)) report(FOLLOW['3m'], windowEnd + 91, opinion());
      }
    }
    return caseEnd;
  }
}

async function copyIn(client: Client, sql: string, next: () => string | null): Promise<void> {
  const stream = client.query(copyFrom(sql));
  await new Promise<void>((resolve, reject) => {
    stream.on('error', reject);
    stream.on('finish', resolve);
    const pump = () => {
      for (;;) {
        const chunk = next();
        if (chunk === null) return stream.end();
        if (!stream.write(chunk)) return stream.once('drain', pump);
      }
    };
    pump();
  });
}

/** Fills outcome_events (and its dictionaries) with `events` synthetic reports. */
export async function loadOutcomeLog(url: string, events: number, seed = 20250501): Promise<{ persons: number; cases: number; partners: number }> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const generated = buildPartners(DEPARTEMENTS.slice(1, -1)).map((p, i) => ({ ...p, no: i + 1 }));
    const writer = new LogWriter(seed, events, generated);
    await client.query('BEGIN');
    // Created rows in the transaction that truncated the table: COPY FREEZE writes them
    // visible-to-all (no hint-bit rewrite on the first read); indexes are built once, after.
    await client.query('TRUNCATE outcome_events, metric_persons, metric_partners');
    await client.query("SET LOCAL session_replication_role = 'replica'"); // the log is consistent by construction
    await client.query("SET LOCAL maintenance_work_mem = '512MB'");
    await client.query('ALTER TABLE outcome_events DROP CONSTRAINT outcome_events_pkey, DROP CONSTRAINT outcome_events_partner_no_report_id_key');
    await client.query('DROP INDEX outcome_events_person');
    await client.query('INSERT INTO metric_partners (partner_no, partner_id, category) SELECT * FROM unnest($1::int[], $2::text[], $3::text[])', [
      generated.map((p) => p.no),
      generated.map((p) => p.partnerId),
      generated.map((p) => p.category),
    ]);
    await client.query("SELECT setval('metric_partners_partner_no_seq', $1)", [generated.length]);
    await copyIn(
      client,
      'COPY outcome_events (event_no, partner_no, report_id, person_no, start_day, end_day, outcome_day, follow_up, outcome, measures, pyramide, departement, requester, message_id) FROM STDIN WITH (FREEZE)',
      () => (writer.done ? null : writer.chunk()),
    );
    let p = 0;
    await copyIn(client, 'COPY metric_persons (person_no, person_pseudonym) FROM STDIN WITH (FREEZE)', () => {
      if (p >= writer.persons) return null;
      const lines: string[] = [];
      for (const end = Math.min(writer.persons, p + 50_000); p < end;) lines.push(`${++p}\tps-${p.toString(36)}\n`);
      return lines.join('');
    });
    await client.query("SELECT setval('metric_persons_person_no_seq', $1), setval('outcome_events_event_no_seq', $2)", [Math.max(1, writer.persons), Math.max(1, writer.events)]);
    await client.query('ALTER TABLE outcome_events ADD PRIMARY KEY (event_no)');
    await client.query('ALTER TABLE outcome_events ADD CONSTRAINT outcome_events_partner_no_report_id_key UNIQUE (partner_no, report_id)');
    await client.query('CREATE INDEX outcome_events_person ON outcome_events (person_no)');
    await client.query('COMMIT');
    await client.query('ANALYZE outcome_events');
    return { persons: writer.persons, cases: writer.cases, partners: generated.length };
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    await client.end();
  }
}

/** Fresh database, N synthetic outcome events, one timed rebuild (as the API runs it). */
export async function measureMetricsRebuild(events: number): Promise<MetricsRebuildResult> {
  const { url, drop } = await createTestDatabase((await benchDatabaseServer()).adminUrl);
  const db = new PgDatabase(url, 4);
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  try {
    await migrate(db);
    const loadStart = process.hrtime.bigint();
    const shape = await loadOutcomeLog(url, events);
    const loadSeconds = Number(process.hrtime.bigint() - loadStart) / 1e9;
    log(`loaded ${events} events (${shape.persons} persons, ${shape.cases} cases, ${shape.partners} partners) in ${loadSeconds.toFixed(1)} s`);

    // The load's garbage collected first: the peak is the rebuild's (its big arrays live outside V8's heap).
    collectGarbage();
    peak = process.memoryUsage().rss;
    const rssBefore = peak;
    const store = new OutcomeMetricsStore(db, { gapDays: DEFAULT_METRICS_CONFIG.dedupGapDays });
    const pgBefore = postgresCpu();
    const pidsBefore = cpuByPid();
    const nodeBefore = process.cpuUsage();
    const started = process.hrtime.bigint();
    const result = await store.rebuild();
    const rebuildSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const nodeCpu = process.cpuUsage(nodeBefore);
    const pgCpu = postgresCpu() - pgBefore;
    const pidsAfter = cpuByPid();
    const own = await db.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()');
    let pgOwn = 0;
    for (const { pid } of own.rows) pgOwn += (pidsAfter.get(pid)?.seconds ?? 0) - (pidsBefore.get(pid)?.seconds ?? 0);
    peak = Math.max(peak, process.memoryUsage().rss);
    log(`rebuild: ${JSON.stringify(result)}`);
    const { rows } = await db.query<{ n: string }>(
      'SELECT (SELECT count(*) FROM metric_outcome_cells) + (SELECT count(*) FROM metric_measure_cells) + (SELECT count(*) FROM metric_overlap_cells) AS n',
    );
    return {
      events: result.events,
      loadSeconds: round(loadSeconds),
      rebuildSeconds: round(rebuildSeconds),
      aggregateRows: Number(rows[0].n),
      eventsPerSecond: Math.round(result.events / rebuildSeconds),
      peakRssMb: Math.round(peak / 1048576),
      rssBeforeRebuildMb: Math.round(rssBefore / 1048576),
      phases: { readSeconds: result.phases.readMs / 1000, computeSeconds: result.phases.computeMs / 1000, writeSeconds: result.phases.writeMs / 1000 },
      cpuSeconds: { node: round((nodeCpu.user + nodeCpu.system) / 1e6), postgresql: round(pgCpu), postgresqlOwn: round(pgOwn) },
    };
  } finally {
    clearInterval(sampler);
    await db.close();
    if (!process.env.BENCH_KEEP_DB) await drop();
    else log(`kept ${url}`);
  }
}

/** A full garbage collection (gc is exposed at run time, as with --expose-gc). */
function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

function postgresCpu(): number {
  let total = 0;
  for (const p of cpuByPid().values()) if (p.comm.startsWith('postgres')) total += p.seconds;
  return total;
}

const round = (x: number) => Math.round(x * 100) / 100;
const log = (s: string) => process.stderr.write(`[metrics-rebuild] ${s}\n`);

if (require.main === module) {
  const n = Number(process.argv[2] ?? process.env.BENCH_METRICS_EVENTS ?? 10_000_000);
  measureMetricsRebuild(n).then(
    (r) => console.log(JSON.stringify(r, null, 2)),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
