import { MetricsSnapshot } from '@pdp/contracts';
import { isSmall, MaskedRow, suppress, sum, TableRow } from './masking';
import { departementsOf, regionOf, regions } from './territory';

export type Period = 'month' | 'quarter' | 'year';
export const PERIODS: readonly Period[] = ['month', 'quarter', 'year'];

export type MetricRow = MetricsSnapshot['rows'][number];
export type MetricTable = Omit<MetricsSnapshot, 'schemaVersion' | 'snapshotId' | 'generatedAt'> & { notes?: string[] };

/** Common filters of every metric query. Dates are inclusive YYYY-MM-DD bounds. */
export interface MetricFilter {
  period: Period;
  by: string[];
  from?: string;
  to?: string;
  departement?: string;
  region?: string;
}

/** SQL expression of the period label of a date column: 2025-03, 2025-Q1 or 2025. */
export function periodSql(period: Period, column: string): string {
  if (period === 'month') return `to_char(${column}, 'YYYY-MM')`;
  if (period === 'quarter') return `to_char(${column}, 'YYYY') || '-Q' || to_char(${column}, 'Q')`;
  return `to_char(${column}, 'YYYY')`;
}

/** SQL expression of the région of a département column (INSEE codes, static map). */
export function regionSql(column: string): string {
  const whens = regions()
    .map(
      (r) =>
        `WHEN ${column} IN (${departementsOf(r)
          .map((d) => `'${d}'`)
          .join(', ')}) THEN '${r}'`,
    )
    .join(' ');
  return `(CASE ${whens} ELSE 'unknown' END)`;
}

/** Where a period label adds up: month → quarter → year → all. */
export function periodParents(period: Period): ((v: string) => string)[] {
  const year = (v: string) => v.slice(0, 4);
  const quarter = (v: string) => `${v.slice(0, 4)}-Q${Math.floor((Number(v.slice(5, 7)) - 1) / 3) + 1}`;
  if (period === 'month') return [quarter, year, () => 'all'];
  if (period === 'quarter') return [year, () => 'all'];
  return [() => 'all'];
}

/** Masks a table and adds its total (over every row, masked like any row). */
export function finishTable(metric: MetricTable['metric'], filter: MetricFilter, rows: TableRow[], threshold: number, parents: Record<string, ((v: string) => string)[]>): MetricTable {
  const masked = suppress(rows, { threshold, parents: { period: periodParents(filter.period), departement: [regionOf, () => 'all'], ...parents } });
  const totalValues = sum(rows.map((r) => r.values));
  const totalMasked = rows.length > 0 && isSmall(totalValues, threshold);
  return {
    metric,
    period: filter.period,
    by: filter.by,
    threshold,
    rows: masked.sort(compareRows).map(publish),
    total: { period: 'all', dimensions: {}, masked: totalMasked ? 'primary' : 'no', values: totalMasked ? null : totalValues },
    ...boundsNote(filter),
  };
}

/** Says which whole periods a bounded query covered (its bounds are snapped to them). */
function boundsNote(filter: MetricFilter): { notes?: string[] } {
  if (!filter.from && !filter.to) return {};
  const snapped = snapToPeriods(filter);
  return { notes: [`bounds as whole ${filter.period}s: from ${snapped.from ?? 'the start'} to ${snapped.to ?? 'the end'}`] };
}

function publish(r: MaskedRow): MetricRow {
  return { period: r.period, dimensions: r.dims, masked: r.masked, values: r.masked === 'no' ? r.values : null };
}

function compareRows(a: TableRow, b: TableRow): number {
  const ka = `${a.period}\u0000${Object.values(a.dims).join('\u0000')}`;
  const kb = `${b.period}\u0000${Object.values(b.dims).join('\u0000')}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** Renders a table as CSV (one line per row, then the total); masked values are empty. */
export function toCsv(t: MetricTable): string {
  const valueKeys = [...new Set([...t.rows, t.total].flatMap((r) => (r.values ? Object.keys(r.values) : [])))];
  const dimKeys = t.by;
  const header = ['period', ...dimKeys, 'masked', ...valueKeys];
  const line = (r: MetricRow) =>
    [r.period, ...dimKeys.map((d) => r.dimensions[d] ?? (r.period === 'all' ? 'all' : '')), r.masked, ...valueKeys.map((k) => (r.values ? String(r.values[k] ?? 0) : ''))].map(csvField).join(',');
  return [header.join(','), ...t.rows.map(line), line(t.total)].join('\n') + '\n';
}

function csvField(v: string): string {
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/**
 * `from` and `to` widened to whole periods of the table: every period of a table is then whole,
 * so two queries whose bounds differ by less than a period give the same table, and subtracting
 * one from the other cannot reveal a count that masking hides.
 */
export function snapToPeriods<F extends Pick<MetricFilter, 'period' | 'from' | 'to'>>(filter: F): F {
  const months = filter.period === 'month' ? 1 : filter.period === 'quarter' ? 3 : 12;
  const bounds = (iso: string) => {
    const y = Number(iso.slice(0, 4));
    const first = Math.floor((Number(iso.slice(5, 7)) - 1) / months) * months;
    return { start: new Date(Date.UTC(y, first, 1)), end: new Date(Date.UTC(y, first + months, 0)) };
  };
  const day = (d: Date) => d.toISOString().slice(0, 10);
  return {
    ...filter,
    ...(filter.from ? { from: day(bounds(filter.from).start) } : {}),
    ...(filter.to ? { to: day(bounds(filter.to).end) } : {}),
  };
}

/** Builds WHERE clauses for the common filters (bounds snapped to whole periods); returns SQL and parameters. */
export function whereClauses(unsnapped: MetricFilter, dateColumn: string, departementColumn: string, params: unknown[]): string[] {
  const filter = snapToPeriods(unsnapped);
  const where: string[] = [];
  if (filter.from) {
    params.push(filter.from);
    where.push(`${dateColumn} >= $${params.length}::date`);
  }
  if (filter.to) {
    params.push(filter.to);
    where.push(`${dateColumn} <= $${params.length}::date`);
  }
  if (filter.departement) {
    params.push(filter.departement);
    where.push(`${departementColumn} = $${params.length}`);
  }
  if (filter.region) {
    params.push(departementsOf(filter.region));
    where.push(`${departementColumn} = ANY($${params.length}::text[])`);
  }
  return where;
}

/** Validates `by` against the dimensions a metric offers. */
export function checkDims(by: string[], allowed: Record<string, string>): string | null {
  const bad = by.filter((d) => !Object.hasOwn(allowed, d));
  return bad.length ? `unknown dimension(s) ${bad.join(', ')}; allowed: ${Object.keys(allowed).join(', ')}` : null;
}
