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

// Partner numbers are dense serials of metric_partners: 20 bits (overlap members) leave room for a million.
/**
 * Counters keyed by three 32-bit words, in insertion order like a Map, but without boxing: keys
 * and counts live in typed arrays, found through an open-addressing index (linear probing).
 * A 10-million-event rebuild makes tens of millions of additions; a Map with number or string
 * keys spent most of the compute time hashing and collecting garbage.
 */
export class CellTable {
  size = 0;
  private keys = new Int32Array(3 * 1024);
  private counts = new Float64Array(1024);
  private index = new Int32Array(2048).fill(-1);
  private mask = 2047;

  add(w0: number, w1: number, w2: number, delta: number): void {
    let h = Math.imul(w0 ^ Math.imul(w1, 0x27d4eb2d) ^ Math.imul(w2, 0x165667b1), 0x9e3779b1);
    h ^= h >>> 15;
    const keys = this.keys;
    const index = this.index;
    const mask = this.mask;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const e = index[slot];
      if (e < 0) {
        if (this.size === this.counts.length) this.grow();
        const n = this.size++;
        this.keys[3 * n] = w0;
        this.keys[3 * n + 1] = w1;
        this.keys[3 * n + 2] = w2;
        this.counts[n] = delta;
        if (this.size * 2 > this.mask) this.reindex(this.index.length * 2);
        else index[slot] = n;
        return;
      }
      if (keys[3 * e] === w0 && keys[3 * e + 1] === w1 && keys[3 * e + 2] === w2) {
        this.counts[e] += delta;
        return;
      }
    }
  }

  /** Every entry in insertion order (or key order after sort()). */
  forEach(fn: (w0: number, w1: number, w2: number, n: number) => void): void {
    const { keys, counts } = this;
    for (let e = 0; e < this.size; e++) fn(keys[3 * e], keys[3 * e + 1], keys[3 * e + 2], counts[e]);
  }

  /** Puts the entries in key order (w0, w1, w2 as unsigned numbers). */
  sort(): void {
    const { keys, counts } = this;
    const order = Array.from({ length: this.size }, (_, e) => e).sort(
      (a, b) => keys[3 * a] - keys[3 * b] || keys[3 * a + 1] - keys[3 * b + 1] || keys[3 * a + 2] - keys[3 * b + 2],
    );
    const k2 = new Int32Array(keys.length);
    const c2 = new Float64Array(counts.length);
    order.forEach((e, i) => {
      k2[3 * i] = keys[3 * e];
      k2[3 * i + 1] = keys[3 * e + 1];
      k2[3 * i + 2] = keys[3 * e + 2];
      c2[i] = counts[e];
    });
    this.keys = k2;
    this.counts = c2;
    this.reindex(this.index.length);
  }

  private grow(): void {
    const k2 = new Int32Array(this.keys.length * 2);
    k2.set(this.keys);
    const c2 = new Float64Array(this.counts.length * 2);
    c2.set(this.counts);
    this.keys = k2;
    this.counts = c2;
  }

  private reindex(slots: number): void {
    this.index = new Int32Array(slots).fill(-1);
    this.mask = slots - 1;
    const { keys, index, mask } = this;
    for (let e = 0; e < this.size; e++) {
      let h = Math.imul(keys[3 * e] ^ Math.imul(keys[3 * e + 1], 0x27d4eb2d) ^ Math.imul(keys[3 * e + 2], 0x165667b1), 0x9e3779b1);
      h ^= h >>> 15;
      let slot = h & mask;
      while (index[slot] >= 0) slot = (slot + 1) & mask;
      index[slot] = e;
    }
  }
}

/**
 * Sums the contributions of cases per cell, in memory: the whole of a rebuild, or the deltas of
 * one incremental batch. Keys are three packed integers (no strings, no boxed numbers).
 */
export class CellAccumulator implements CaseSink {
  /** (month << 7 | dept, partner, pyramide << 7 | outcome << 3 | flags) */
  readonly outcomes = new CellTable();
  /** (month << 7 | dept, partner, measure << 5 | requester << 2 | flags) */
  readonly measures = new CellTable();
  /** ((month << 7 | dept) << 2 | scope << 1 | level, and up to three members + 1 in 20 bits each over two words) */
  readonly overlaps = new CellTable();

  outcome(month: number, dept: number, partner: number, pyramide: number, outcome: number, credited: boolean, caseMaintien: boolean, disagreement: boolean, delta: number): void {
    const flags = (credited ? 1 : 0) + (caseMaintien ? 2 : 0) + (disagreement ? 4 : 0);
    this.outcomes.add((month << 7) | dept, partner, (pyramide << 7) | (outcome << 3) | flags, delta);
  }

  measure(month: number, dept: number, partner: number, measure: number, requester: number, credited: boolean, caseMaintien: boolean, delta: number): void {
    const flags = (credited ? 1 : 0) + (caseMaintien ? 2 : 0);
    this.measures.add((month << 7) | dept, partner, (measure << 5) | (requester << 2) | flags, delta);
  }

  /** members: two or three numbers below 2^20 - 1; only read during the call. */
  overlap(month: number, dept: number, scope: number, level: number, members: number[], delta: number): void {
    const a = members[0] + 1;
    const b = members[1] + 1;
    const c = members.length > 2 ? members[2] + 1 : 0;
    // a (20 bits) | low 12 bits of b; high 8 bits of b | c (20 bits)
    this.overlaps.add((((month << 7) | dept) << 2) | (scope << 1) | level, a | ((b & 0xfff) << 20), (b >>> 12) | (c << 8), delta);
  }

  /** Puts the cells in key order (incremental batches take row locks in that order). */
  sortKeys(): void {
    this.outcomes.sort();
    this.measures.sort();
    this.overlaps.sort();
  }

  outcomeRows(names: PartnerNames): OutcomeCellRow[] {
    const rows: OutcomeCellRow[] = [];
    this.outcomes.forEach((md, partner, w2, n) => {
      if (n === 0) return;
      const flags = w2 & 7;
      rows.push({
        month: monthStartCached(md >>> 7),
        departement: DEPARTEMENTS[md & 127],
        partnerId: names.id(partner),
        category: names.categoryName(partner),
        pyramide: PYRAMIDE[w2 >>> 7],
        outcome: OUTCOMES[(w2 >>> 3) & 15],
        credited: (flags & 1) !== 0,
        caseMaintien: (flags & 2) !== 0,
        disagreement: (flags & 4) !== 0,
        n,
      });
    });
    return rows;
  }

  measureRows(names: PartnerNames): MeasureCellRow[] {
    const rows: MeasureCellRow[] = [];
    this.measures.forEach((md, partner, w2, n) => {
      if (n === 0) return;
      const flags = w2 & 3;
      rows.push({
        month: monthStartCached(md >>> 7),
        departement: DEPARTEMENTS[md & 127],
        partnerId: names.id(partner),
        category: names.categoryName(partner),
        measure: MEASURES[w2 >>> 5],
        requester: REQUESTERS[(w2 >>> 2) & 7],
        credited: (flags & 1) !== 0,
        caseMaintien: (flags & 2) !== 0,
        n,
      });
    });
    return rows;
  }

  overlapRows(names: PartnerNames): OverlapCellRow[] {
    const rows: OverlapCellRow[] = [];
    const memberNames = new Map<string, string>();
    this.overlaps.forEach((w0, w1, w2, n) => {
      if (n === 0) return;
      const level = w0 & 1;
      const scope = (w0 >>> 1) & 1;
      const md = w0 >>> 2;
      const nums = [(w1 & 0xfffff) - 1, ((w1 >>> 20) | ((w2 & 0xff) << 12)) - 1];
      if (w2 >>> 8 !== 0) nums.push((w2 >>> 8) - 1);
      // Alphabetical, whatever the codes: the key readers look up.
      const cacheKey = `${level}|${nums.join(',')}`;
      let members = memberNames.get(cacheKey);
      if (members === undefined) {
        members = nums.map((m) => (level === 0 ? names.id(m) : CATEGORIES[m])).sort().join('+');
        memberNames.set(cacheKey, members);
      }
      rows.push({
        month: monthStartCached(md >>> 7),
        departement: DEPARTEMENTS[md & 127],
        scope: scope === 0 ? 'maintien' : 'accompaniment',
        level: level === 0 ? 'partner' : 'category',
        members,
        size: nums.length,
        n,
      });
    });
    return rows;
  }
}

const MONTH_STARTS: string[] = [];
function monthStartCached(month: number): string {
  return (MONTH_STARTS[month] ??= monthStart(month));
}
