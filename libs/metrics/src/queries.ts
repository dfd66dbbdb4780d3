import { Sql } from '@pdp/db';
import { MAINTIEN_OUTCOMES } from '@pdp/domain';
import { TableRow } from './masking';
import { checkDims, finishTable, MetricFilter, MetricTable, periodSql, regionSql, whereClauses } from './table';

export class MetricQueryError extends Error {}

const OUTCOME_DIMS: Record<string, string> = {
  departement: 'departement',
  region: regionSql('departement'),
  partner: 'partner_id',
  category: 'category',
  pyramide: 'pyramide',
  outcome: 'outcome',
};

const MEASURE_DIMS: Record<string, string> = {
  departement: 'departement',
  region: regionSql('departement'),
  partner: 'partner_id',
  category: 'category',
  measure: 'measure',
  requester: 'requester',
};

const OVERLAP_DIMS: Record<string, string> = {
  departement: 'departement',
  region: regionSql('departement'),
};

export interface OutcomeQuery extends MetricFilter {
  /** Adds the breakdown of duplicates: overruled claims and disagreements. */
  detail?: boolean;
}

export interface MeasureQuery extends MetricFilter {
  /** Only the cases whose standing outcome is a maintien en emploi. */
  maintienOnly?: boolean;
}

export interface OverlapQuery extends MetricFilter {
  level: 'partner' | 'category';
  scope: 'maintien' | 'accompaniment';
}

/** Reads the aggregate cells and publishes masked tables (no person-level data ever leaves). */
export class OutcomeMetricQueries {
  constructor(
    private readonly db: Sql,
    private readonly threshold: number,
  ) {}

  /**
   * Maintiens en emploi: raw (sum of partners' claims), deduplicated (cases), duplicates
   * (raw - deduplicated); with detail, overruled (maintien claims on a case whose standing
   * outcome is not a maintien, part of duplicates) and disagreements (maintien cases on which
   * partners reported different outcomes).
   */
  maintiens(q: OutcomeQuery): Promise<MetricTable> {
    const m = `outcome = ANY('{${MAINTIEN_OUTCOMES.join(',')}}'::text[])`;
    const values = [
      `sum(n) FILTER (WHERE ${m}) AS raw`,
      `sum(n) FILTER (WHERE ${m} AND credited) AS deduplicated`,
      ...(q.detail ? [`sum(n) FILTER (WHERE ${m} AND NOT case_maintien) AS overruled`, `sum(n) FILTER (WHERE ${m} AND credited AND disagreement) AS disagreements`] : []),
    ];
    return this.outcomeTable('maintiens', q, values, m);
  }

  /** Every outcome: raw claims, deduplicated cases (by standing outcome), duplicates. */
  outcomes(q: OutcomeQuery): Promise<MetricTable> {
    const values = ['sum(n) AS raw', 'sum(n) FILTER (WHERE credited) AS deduplicated', ...(q.detail ? ['sum(n) FILTER (WHERE credited AND disagreement) AS disagreements'] : [])];
    return this.outcomeTable('outcomes', q, values, 'true');
  }

  /** Measures mobilised (by=requester splits the visites de pré-reprise by who asked for them). */
  async measures(q: MeasureQuery): Promise<MetricTable> {
    this.check(q.by, MEASURE_DIMS);
    const params: unknown[] = [];
    const where = whereClauses(q, 'month', 'departement', params);
    if (q.maintienOnly) where.push('case_maintien');
    const rows = await this.group('metric_measure_cells', q, MEASURE_DIMS, ['sum(n) AS raw', 'sum(n) FILTER (WHERE credited) AS deduplicated'], where, params);
    return finishTable('measures', q, withDuplicates(rows), this.threshold, { measure: [] });
  }

  /**
   * Cases claimed by each pair and triple of partners or categories (dimension `members`); at
   * partner level also each partner alone (its claims), so the overlaps read as a Venn diagram.
   */
  async overlap(q: OverlapQuery): Promise<MetricTable> {
    this.check(q.by, OVERLAP_DIMS);
    const params: unknown[] = [q.scope, q.level];
    const where = ['scope = $1', 'level = $2', ...whereClauses(q, 'month', 'departement', params)];
    const dims = { ...OVERLAP_DIMS, members: 'members' };
    const filter = { ...q, by: [...q.by, 'members'] };
    const rows = await this.group('metric_overlap_cells', filter, dims, ['sum(n) AS cases'], where, params);
    if (q.level === 'partner') {
      const singleParams: unknown[] = [];
      const singleWhere = whereClauses(q, 'month', 'departement', singleParams);
      if (q.scope === 'maintien') singleWhere.push(`outcome = ANY('{${MAINTIEN_OUTCOMES.join(',')}}'::text[])`);
      rows.push(...(await this.group('metric_outcome_cells', filter, { ...OVERLAP_DIMS, members: 'partner_id' }, ['sum(n) AS cases'], singleWhere, singleParams)));
    }
    return { ...finishTable('overlap', filter, rows, this.threshold, { members: [] }), notes: [`scope=${q.scope}`, `level=${q.level}`] };
  }

  private async outcomeTable(metric: 'maintiens' | 'outcomes', q: OutcomeQuery, values: string[], having: string): Promise<MetricTable> {
    this.check(q.by, OUTCOME_DIMS);
    const params: unknown[] = [];
    const where = [...whereClauses(q, 'month', 'departement', params), having];
    const rows = await this.group('metric_outcome_cells', q, OUTCOME_DIMS, values, where, params);
    return finishTable(metric, q, withDuplicates(rows), this.threshold, {});
  }

  private check(by: string[], dims: Record<string, string>): void {
    const problem = checkDims(by, dims);
    if (problem) throw new MetricQueryError(problem);
  }

  /** SELECT period, dims, aggregates … GROUP BY period, dims; drops all-zero rows. */
  private async group(table: string, q: MetricFilter, dims: Record<string, string>, values: string[], where: string[], params: unknown[]): Promise<TableRow[]> {
    const dimSql = q.by.map((d, i) => `${dims[d]} AS d${i}`);
    const groupBy = ['1', ...q.by.map((_, i) => String(i + 2))];
    const sql = `SELECT ${periodSql(q.period, 'month')} AS period${dimSql.length ? ', ' + dimSql.join(', ') : ''}, ${values.join(', ')}
                   FROM ${table} ${where.length ? 'WHERE ' + where.join(' AND ') : ''} GROUP BY ${groupBy.join(', ')}`;
    const { rows } = await this.db.query<Record<string, string | number | null>>(sql, params);
    const names = values.map((v) => v.slice(v.lastIndexOf(' AS ') + 4));
    return rows
      .map((r) => ({
        period: String(r.period),
        dims: Object.fromEntries(q.by.map((d, i) => [d, String(r[`d${i}`])])),
        values: Object.fromEntries(names.map((n) => [n, Number(r[n] ?? 0)])),
      }))
      .filter((r) => Object.values(r.values).some((v) => v !== 0));
  }
}

/** raw = deduplicated + duplicates, by construction of the published numbers. */
function withDuplicates(rows: TableRow[]): TableRow[] {
  return rows.map((r) => {
    const { raw, deduplicated, ...rest } = r.values;
    return { ...r, values: { raw, deduplicated, duplicates: raw - deduplicated, ...rest } };
  });
}
