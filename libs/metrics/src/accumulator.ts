import { CATEGORIES, MEASURES, monthStart, OUTCOMES, PYRAMIDE, REQUESTERS } from './codes';
import { CaseSink } from './dedup';
import { DEPARTEMENTS } from './territory';

/** partner number → id and category (the metric_partners dictionary). */
export interface PartnerNames {
  id(partnerNo: number): string;
  categoryName(partnerNo: number): string;
}

export interface OutcomeCellRow {
  month: string;
  departement: string;
  partnerId: string;
  category: string;
  pyramide: string;
  outcome: string;
  credited: boolean;
  caseMaintien: boolean;
  disagreement: boolean;
  n: number;
}

export interface MeasureCellRow {
  month: string;
  departement: string;
  partnerId: string;
  category: string;
  measure: string;
  requester: string;
  credited: boolean;
  caseMaintien: boolean;
  n: number;
}

export interface OverlapCellRow {
  month: string;
  departement: string;
  scope: 'maintien' | 'accompaniment';
  level: 'partner' | 'category';
  members: string;
  size: number;
  n: number;
}

// Mixed-radix packing of a cell's dimensions into one JS number (exact below 2^53).
const PARTNER_RADIX = 1 << 20;

/**
 * Sums the contributions of cases per cell, in memory: the whole of a rebuild, or the deltas of
 * one incremental batch. Keys are packed numbers, not strings, to keep a 10M-event rebuild fast.
 */
export class CellAccumulator implements CaseSink {
  readonly outcomes = new Map<number, number>();
  readonly measures = new Map<number, number>();
  readonly overlaps = new Map<string, number>();

  outcome(month: number, dept: number, partner: number, pyramide: number, outcome: number, credited: boolean, caseMaintien: boolean, disagreement: boolean, delta: number): void {
    const flags = (credited ? 1 : 0) + (caseMaintien ? 2 : 0) + (disagreement ? 4 : 0);
    const key = ((((month * 128 + dept) * PARTNER_RADIX + partner) * 8 + pyramide) * 16 + outcome) * 8 + flags;
    this.outcomes.set(key, (this.outcomes.get(key) ?? 0) + delta);
  }

  measure(month: number, dept: number, partner: number, measure: number, requester: number, credited: boolean, caseMaintien: boolean, delta: number): void {
    const flags = (credited ? 1 : 0) + (caseMaintien ? 2 : 0);
    const key = ((((month * 128 + dept) * PARTNER_RADIX + partner) * 16 + measure) * 8 + requester) * 4 + flags;
    this.measures.set(key, (this.measures.get(key) ?? 0) + delta);
  }

  overlap(month: number, dept: number, scope: number, level: number, members: number[], delta: number): void {
    const key = `${month}|${dept}|${scope}|${level}|${members.join(',')}`;
    this.overlaps.set(key, (this.overlaps.get(key) ?? 0) + delta);
  }

  /** Re-inserts the cells in key order (Maps iterate in insertion order). */
  sortKeys(): void {
    for (const m of [this.outcomes, this.measures] as Map<number, number>[]) {
      const entries = [...m].sort((x, y) => x[0] - y[0]);
      m.clear();
      for (const [k, v] of entries) m.set(k, v);
    }
    const overlaps = [...this.overlaps].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    this.overlaps.clear();
    for (const [k, v] of overlaps) this.overlaps.set(k, v);
  }

  outcomeRows(names: PartnerNames): OutcomeCellRow[] {
    const rows: OutcomeCellRow[] = [];
    for (const [key, n] of this.outcomes) {
      if (n === 0) continue;
      let k = key;
      const flags = k % 8;
      k = (k - flags) / 8;
      const outcome = k % 16;
      k = (k - outcome) / 16;
      const pyramide = k % 8;
      k = (k - pyramide) / 8;
      const partner = k % PARTNER_RADIX;
      k = (k - partner) / PARTNER_RADIX;
      const dept = k % 128;
      const month = (k - dept) / 128;
      rows.push({
        month: monthStart(month),
        departement: DEPARTEMENTS[dept],
        partnerId: names.id(partner),
        category: names.categoryName(partner),
        pyramide: PYRAMIDE[pyramide],
        outcome: OUTCOMES[outcome],
        credited: (flags & 1) !== 0,
        caseMaintien: (flags & 2) !== 0,
        disagreement: (flags & 4) !== 0,
        n,
      });
    }
    return rows;
  }

  measureRows(names: PartnerNames): MeasureCellRow[] {
    const rows: MeasureCellRow[] = [];
    for (const [key, n] of this.measures) {
      if (n === 0) continue;
      let k = key;
      const flags = k % 4;
      k = (k - flags) / 4;
      const requester = k % 8;
      k = (k - requester) / 8;
      const measure = k % 16;
      k = (k - measure) / 16;
      const partner = k % PARTNER_RADIX;
      k = (k - partner) / PARTNER_RADIX;
      const dept = k % 128;
      const month = (k - dept) / 128;
      rows.push({
        month: monthStart(month),
        departement: DEPARTEMENTS[dept],
        partnerId: names.id(partner),
        category: names.categoryName(partner),
        measure: MEASURES[measure],
        requester: REQUESTERS[requester],
        credited: (flags & 1) !== 0,
        caseMaintien: (flags & 2) !== 0,
        n,
      });
    }
    return rows;
  }

  overlapRows(names: PartnerNames): OverlapCellRow[] {
    const rows: OverlapCellRow[] = [];
    for (const [key, n] of this.overlaps) {
      if (n === 0) continue;
      const [month, dept, scope, level, members] = key.split('|');
      const nums = members.split(',').map(Number);
      rows.push({
        month: monthStart(Number(month)),
        departement: DEPARTEMENTS[Number(dept)],
        scope: scope === '0' ? 'maintien' : 'accompaniment',
        level: level === '0' ? 'partner' : 'category',
        // Alphabetical, whatever the codes: the key readers look up.
        members: nums.map((m) => (level === '0' ? names.id(m) : CATEGORIES[m])).sort().join('+'),
        size: nums.length,
        n,
      });
    }
    return rows;
  }
}
