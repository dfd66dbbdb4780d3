import { Sql } from '@pdp/db';
import { MetricFilter, periodSql, regionSql, whereClauses } from './table';

/**
 * Status of a follow-up at a date, from its dates alone (nothing to update as time passes):
 * scheduled before the due date, due during the grace period, overdue after it, done once a
 * report at the follow-up point arrived. $asOf and $grace are the given parameter numbers.
 */
export function followUpStatusSql(asOf: string, grace: string): string {
  return `(CASE WHEN f.done_date IS NOT NULL THEN 'done' WHEN f.due_date > ${asOf}::date THEN 'scheduled'
               WHEN f.due_date + ${grace}::int > ${asOf}::date THEN 'due' ELSE 'overdue' END)`;
}

/** The dimensions follow-ups break down by, as columns of the follow-ups with their status. */
export const FOLLOW_UP_DIMS: Record<string, string> = {
  status: 'status',
  partner: 'responsible_partner_id',
  category: 'category',
  departement: 'departement',
  region: regionSql('departement'),
};

/** The follow_ups table as the metrics count it, with the responsible partner's category (metric_partners). */
export class FollowUpMetricsStore {
  constructor(private readonly db: Sql) {}

  /** Follow-ups per due period and the asked dimensions (FOLLOW_UP_DIMS), status at asOf: columns period, d0…, n. */
  async count(q: MetricFilter, asOf: string, graceDays: number): Promise<Record<string, string>[]> {
    const params: unknown[] = [asOf, graceDays];
    const where = whereClauses(q, 'due_date', 'departement', params);
    const dims = q.by.map((d, i) => `${FOLLOW_UP_DIMS[d]} AS d${i}`);
    const { rows } = await this.db.query<Record<string, string>>(
      `WITH f AS (
       SELECT f.*, ${followUpStatusSql('$1', '$2')} AS status, coalesce(p.category, 'unknown') AS category
         FROM follow_ups f LEFT JOIN metric_partners p ON p.partner_id = f.responsible_partner_id)
     SELECT ${periodSql(q.period, 'due_date')} AS period${dims.length ? ', ' + dims.join(', ') : ''}, count(*) AS n
       FROM f ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
      GROUP BY ${['1', ...q.by.map((_, i) => String(i + 2))].join(', ')}`,
      params,
    );
    return rows;
  }
}
