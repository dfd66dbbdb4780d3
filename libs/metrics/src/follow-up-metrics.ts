import { Sql } from '@pdp/db';
import { FollowUpMetricsStore, FOLLOW_UP_DIMS } from './follow-up-metrics.store';
import { MetricQueryError } from './queries';
import { checkDims, finishTable, MetricFilter, MetricTable } from './table';

/** Follow-ups by due period: done, overdue, due, scheduled (by=status). */
export async function followUpMetrics(db: Sql, q: MetricFilter, asOf: string, graceDays: number, threshold: number): Promise<MetricTable> {
  const problem = checkDims(q.by, FOLLOW_UP_DIMS);
  if (problem) throw new MetricQueryError(problem);
  const rows = await new FollowUpMetricsStore(db).count(q, asOf, graceDays);
  const table = rows.map((r) => ({ period: r.period, dims: Object.fromEntries(q.by.map((d, i) => [d, String(r[`d${i}`])])), values: { followUps: Number(r.n) } }));
  return finishTable('follow-ups', q, table, threshold, {});
}
