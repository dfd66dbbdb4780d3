import { Request } from 'express';
import { MetricFilter, MetricTable, Period, PERIODS, toCsv } from '@pdp/metrics';
import { ProblemException } from '@pdp/http';
import { parseIsoDate } from '@pdp/domain';

/** A `YYYY-MM-DD` query parameter: absent, or a day that exists (the hub's one calendar). */
export function isQueryDate(v: string | undefined): boolean {
  return v === undefined || !Number.isNaN(parseIsoDate(v));
}

/** Reads the common query parameters of the metrics endpoints; 400 problem details when wrong. */
export function filterOf(q: Record<string, string | undefined>, defaultBy: string[] = []): MetricFilter {
  const errors: { path: string; message: string }[] = [];
  // `?by=a&by=b` reaches here as an array: one value per parameter.
  for (const [k, v] of Object.entries(q)) if (typeof v !== 'string') errors.push({ path: k, message: 'must be given once' });
  if (errors.length) throw new ProblemException(400, 'Invalid query parameters', `${errors.length} violation(s)`, errors);
  const period = (q.period ?? 'quarter') as Period;
  if (!PERIODS.includes(period)) errors.push({ path: 'period', message: `must be one of ${PERIODS.join(', ')}` });
  for (const k of ['from', 'to', 'asOf'] as const) if (!isQueryDate(q[k])) errors.push({ path: k, message: 'must be a YYYY-MM-DD date that exists' });
  if (q.departement !== undefined && !/^(?:[0-9]{2}|2A|2B|97[1-6])$/.test(q.departement)) errors.push({ path: 'departement', message: 'is not a département code' });
  if (q.region !== undefined && !/^[0-9]{2}$/.test(q.region)) errors.push({ path: 'region', message: 'is not a région code' });
  if (errors.length) throw new ProblemException(400, 'Invalid query parameters', `${errors.length} violation(s)`, errors);
  const by =
    q.by === undefined
      ? defaultBy
      : q.by
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  return { period, by, from: q.from, to: q.to, departement: q.departement, region: q.region };
}

export function flag(v: string | undefined): boolean {
  return v === 'true' || v === '1';
}

/** JSON by default; CSV with ?format=csv or Accept: text/csv. */
export function wantsCsv(req: Request, q: Record<string, string | undefined>): boolean {
  return q.format === 'csv' || (q.format === undefined && (req.headers.accept ?? '').includes('text/csv'));
}

export function render(t: MetricTable, csv: boolean): MetricTable | string {
  return csv ? toCsv(t) : t;
}
