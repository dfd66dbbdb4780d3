import { Sql } from '@pdp/db';
import { MAINTIEN_OUTCOMES } from '@pdp/domain';
import { TableRow } from './masking';
import type { MeasureQuery, OutcomeQuery, OverlapQuery } from './queries';
import { MetricFilter, periodSql, regionSql, whereClauses } from './table';

/** The dimensions outcome counts break down by, as columns of metric_outcome_cells. */
export const OUTCOME_DIMS: Record<string, string> = {
  departement: 'departement',
  region: regionSql('departement'),
  partner: 'partner_id',
  category: 'category',
  pyramide: 'pyramide',
  outcome: 'outcome',
};

/** The dimensions measure counts break down by, as columns of metric_measure_cells. */
export const MEASURE_DIMS: Record<string, string> = {
  departement: 'departement',
  region: regionSql('departement'),
  partner: 'partner_id',
  category: 'category',
  measure: 'measure',
  requester: 'requester',
};

/** The dimensions overlaps break down by (besides their members), as columns of metric_overlap_cells. */
export const OVERLAP_DIMS: Record<string, string> = {
  departement: 'departement',
  region: regionSql('departement'),
};

/** The cell tables and their primary keys (as in migration 003). */
const CELL_KEYS: Record<string, string> = {
  metric_outcome_cells: 'month, departement, partner_id, pyramide, outcome, credited, case_maintien, disagreement',
  metric_measure_cells: 'month, departement, partner_id, measure, requester, credited, case_maintien',
  metric_overlap_cells: 'month, departement, scope, level, members',
};

/** Cells of a maintien en emploi outcome. */
const IS_MAINTIEN = `outcome = ANY('{${MAINTIEN_OUTCOMES.join(',')}}'::text[])`;

/**
 * The aggregate cells of the outcome metrics (metric_outcome_cells, metric_measure_cells,
 * metric_overlap_cells): summed per period and dimension for the published tables, and
 * replaced wholesale by COPY in a rebuild.
 */
export class MetricCellStore {
  constructor(private readonly db: Sql) {}

  /**
   * Maintien claims per period and the asked dimensions (OUTCOME_DIMS): raw, deduplicated
   * (credited), with detail also overruled (the case's standing outcome is no maintien) and
   * disagreements.
   */
  maintiens(q: OutcomeQuery): Promise<TableRow[]> {
    const m = IS_MAINTIEN;
    const values = [
      `sum(n) FILTER (WHERE ${m}) AS raw`,
      `sum(n) FILTER (WHERE ${m} AND credited) AS deduplicated`,
      ...(q.detail ? [`sum(n) FILTER (WHERE ${m} AND NOT case_maintien) AS overruled`, `sum(n) FILTER (WHERE ${m} AND credited AND disagreement) AS disagreements`] : []),
    ];
    return this.outcomeRows(q, values, m);
  }

  /** Every outcome's claims per period and the asked dimensions (OUTCOME_DIMS): raw, deduplicated, with detail disagreements. */
  outcomes(q: OutcomeQuery): Promise<TableRow[]> {
    const values = ['sum(n) AS raw', 'sum(n) FILTER (WHERE credited) AS deduplicated', ...(q.detail ? ['sum(n) FILTER (WHERE credited AND disagreement) AS disagreements'] : [])];
    return this.outcomeRows(q, values, 'true');
  }

  /** Measures per period and the asked dimensions (MEASURE_DIMS): raw, deduplicated; maintienOnly: of maintien cases. */
  measures(q: MeasureQuery): Promise<TableRow[]> {
    const params: unknown[] = [];
    const where = whereClauses(q, 'month', 'departement', params);
    if (q.maintienOnly) where.push('case_maintien');
    return this.group('metric_measure_cells', q, MEASURE_DIMS, ['sum(n) AS raw', 'sum(n) FILTER (WHERE credited) AS deduplicated'], where, params);
  }

  /** Cases claimed by each group of members (filter.level, filter.scope), per period and filter.by, whose last is `members`: cases. */
  overlaps(filter: OverlapQuery): Promise<TableRow[]> {
    const params: unknown[] = [filter.scope, filter.level];
    const where = ['scope = $1', 'level = $2', ...whereClauses(filter, 'month', 'departement', params)];
    const dims = { ...OVERLAP_DIMS, members: 'members' };
    return this.group('metric_overlap_cells', filter, dims, ['sum(n) AS cases'], where, params);
  }

  /** Each partner's own claims as a group of one (scope maintien: its maintiens), per period and filter.by as overlaps: cases. */
  partnerClaims(filter: OverlapQuery): Promise<TableRow[]> {
    const singleParams: unknown[] = [];
    const singleWhere = whereClauses(filter, 'month', 'departement', singleParams);
    if (filter.scope === 'maintien') singleWhere.push(IS_MAINTIEN);
    return this.group('metric_outcome_cells', filter, { ...OVERLAP_DIMS, members: 'partner_id' }, ['sum(n) AS cases'], singleWhere, singleParams);
  }

  /** Empties the cell tables (a rebuild, in its transaction). */
  async truncate(): Promise<void> {
    await this.db.query(`TRUNCATE ${Object.keys(CELL_KEYS).join(', ')}`);
  }

  /** Drops the cell tables' primary keys (rows then go in without a B-tree descent each). */
  async dropKeys(): Promise<void> {
    for (const table of Object.keys(CELL_KEYS)) await this.db.query(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_pkey`);
  }

  /** Builds the cell tables' primary keys again (over rows written in key order: checked, not sorted). */
  async addKeys(): Promise<void> {
    for (const [table, key] of Object.entries(CELL_KEYS)) await this.db.query(`ALTER TABLE ${table} ADD CONSTRAINT ${table}_pkey PRIMARY KEY (${key})`);
  }

  /** COPYs outcome cells in (rows in COPY text format; the PostgreSQL server only); returns the rows written. */
  copyOutcomeCells(chunks: CopyChunks): Promise<number> {
    return this.db.copyIn!('COPY metric_outcome_cells (month, departement, partner_id, category, pyramide, outcome, credited, case_maintien, disagreement, n) FROM STDIN', chunks);
  }

  /** COPYs measure cells in, as copyOutcomeCells. */
  copyMeasureCells(chunks: CopyChunks): Promise<number> {
    return this.db.copyIn!('COPY metric_measure_cells (month, departement, partner_id, category, measure, requester, credited, case_maintien, n) FROM STDIN', chunks);
  }

  /** COPYs overlap cells in, as copyOutcomeCells. */
  copyOverlapCells(chunks: CopyChunks): Promise<number> {
    return this.db.copyIn!('COPY metric_overlap_cells (month, departement, scope, level, members, size, n) FROM STDIN', chunks);
  }

  private outcomeRows(q: OutcomeQuery, values: string[], having: string): Promise<TableRow[]> {
    const params: unknown[] = [];
    const where = [...whereClauses(q, 'month', 'departement', params), having];
    return this.group('metric_outcome_cells', q, OUTCOME_DIMS, values, where, params);
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

type CopyChunks = Iterable<string | Buffer> | AsyncIterable<string | Buffer>;
