import { Sql } from '@pdp/db';
import { TableRow } from './masking';
import { MEASURE_DIMS, MetricCellStore, OUTCOME_DIMS, OVERLAP_DIMS } from './metric-cell.store';
import { checkDims, finishTable, MetricFilter, MetricTable } from './table';

export class MetricQueryError extends Error {}

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
  private readonly cells: MetricCellStore;

  constructor(
    db: Sql,
    private readonly threshold: number,
  ) {
    this.cells = new MetricCellStore(db);
  }

  /**
   * Maintiens en emploi: raw (sum of partners' claims), deduplicated (cases), duplicates
   * (raw - deduplicated); with detail, overruled (maintien claims on a case whose standing
   * outcome is not a maintien, part of duplicates) and disagreements (maintien cases on which
   * partners reported different outcomes).
   */
  async maintiens(q: OutcomeQuery): Promise<MetricTable> {
    this.check(q.by, OUTCOME_DIMS);
    const rows = await this.cells.maintiens(q);
    return finishTable('maintiens', q, withDuplicates(rows), this.threshold, {});
  }

  /** Every outcome: raw claims, deduplicated cases (by standing outcome), duplicates. */
  async outcomes(q: OutcomeQuery): Promise<MetricTable> {
    this.check(q.by, OUTCOME_DIMS);
    const rows = await this.cells.outcomes(q);
    return finishTable('outcomes', q, withDuplicates(rows), this.threshold, {});
  }

  /** Measures mobilised (by=requester splits the visites de pré-reprise by who asked for them). */
  async measures(q: MeasureQuery): Promise<MetricTable> {
    this.check(q.by, MEASURE_DIMS);
    const rows = await this.cells.measures(q);
    return finishTable('measures', q, withDuplicates(rows), this.threshold, { measure: [] });
  }

  /**
   * Cases claimed by each pair and triple of partners or categories (dimension `members`); at
   * partner level also each partner alone (its claims), so the overlaps read as a Venn diagram.
   */
  async overlap(q: OverlapQuery): Promise<MetricTable> {
    this.check(q.by, OVERLAP_DIMS);
    const filter = { ...q, by: [...q.by, 'members'] };
    const rows = await this.cells.overlaps(filter);
    if (q.level === 'partner') rows.push(...(await this.cells.partnerClaims(filter)));
    const t = finishTable('overlap', filter, rows, this.threshold, { members: [] });
    return { ...t, notes: [`scope=${q.scope}`, `level=${q.level}`, ...(t.notes ?? [])] };
  }

  private check(by: string[], dims: Record<string, string>): void {
    const problem = checkDims(by, dims);
    if (problem) throw new MetricQueryError(problem);
  }
}

/** raw = deduplicated + duplicates, by construction of the published numbers. */
function withDuplicates(rows: TableRow[]): TableRow[] {
  return rows.map((r) => {
    const { raw, deduplicated, ...rest } = r.values;
    return { ...r, values: { raw, deduplicated, duplicates: raw - deduplicated, ...rest } };
  });
}
