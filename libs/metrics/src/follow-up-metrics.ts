import { Sql } from '@pdp/db';
import { MetricQueryError } from './queries';
import { checkDims, finishTable, MetricFilter, MetricTable, periodSql, regionSql, whereClauses } from './table';

/**
 * Status of a follow-up at a date, from its dates alone (nothing to update as time passes):
 * scheduled before the due date, due during the grace period, overdue after it, done once a
 * report at the follow-up point arrived. $asOf and $grace are the given parameter numbers.
 */
export function followUpStatusSql(asOf: string, grace: string): string {
  return `(CASE WHEN f.done_date IS NOT NULL THEN 'done' WHEN f.due_date > ${asOf}::date THEN 'scheduled'
               WHEN f.due_date + ${grace}::int > ${asOf}::date THEN 'due' ELSE 'overdue' END)`;
}

const FOLLOW_UP_DIMS: Record<string, string> = {
  status: 'status',
  partner: 'responsible_partner_id',
  category: 'category',
  departement: 'departement',
  region: regionSql('departement'),
};

/** Follow-ups by due period: done, overdue, due, scheduled (by=status). */
export async function followUpMetrics(db: Sql, q: MetricFilter, asOf: string, graceDays: number, threshold: number): Promise<MetricTable> {
  const problem = checkDims(q.by, FOLLOW_UP_DIMS);
  if (problem) throw new MetricQueryError(problem);
  const params: unknown[] = [asOf, graceDays];
  const where = whereClauses(q, 'due_date', 'departement', params);
  const dims = q.by.map((d, i) => `${FOLLOW_UP_DIMS[d]} AS d${i}`);
  const { rows } = await db.query<Record<string, string>>(
    `WITH f AS (
       SELECT f.*, ${followUpStatusSql('$1', '$2')} AS status, coalesce(p.category, 'unknown') AS category
         FROM follow_ups f LEFT JOIN metric_partners p ON p.partner_id = f.responsible_partner_id)
     SELECT ${periodSql(q.period, 'due_date')} AS period${dims.length ? ', ' + dims.join(', ') : ''}, count(*) AS n
       FROM f ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
      GROUP BY ${['1', ...q.by.map((_, i) => String(i + 2))].join(', ')}`,
    params,
  );
  const table = rows.map((r) => ({ period: r.period, dims: Object.fromEntries(q.by.map((d, i) => [d, String(r[`d${i}`])])), values: { followUps: Number(r.n) } }));
  return finishTable('follow-ups', q, table, threshold, {});
}
