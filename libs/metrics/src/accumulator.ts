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
 * Counters keyed by three 32-bit words (the third one non-negative), iterated in insertion order
 * like a Map, but without boxing: an open-addressing table (linear probing) whose slots hold the
 * key and the count side by side, four int32 words, so an addition touches one cache line.
 * A 10-million-event rebuild makes tens of millions of additions into tables far larger than the
 * CPU caches: the memory accesses per addition are what it costs. Counts are int32 (sums of
 * ±1 per case: far from 2^31).
 */
export class CellTable {
  size = 0;
  /** [w0, w1, w2, count] per slot; w2 = -1: empty. */
  private slots = new Int32Array(4 * 2048).fill(-1);
  private mask = 2047;
  /** The slot of each entry, in insertion order (or key order after sort()). */
  private order = new Int32Array(1024);

  add(w0: number, w1: number, w2: number, delta: number): void {
    if (w2 < 0) throw new RangeError(`cell key word out of range: ${w2}`);
    const slots = this.slots;
    const mask = this.mask;
    for (let s = hash(w0, w1, w2) & mask; ; s = (s + 1) & mask) {
      const at = s << 2;
      const k2 = slots[at + 2];
      if (k2 === w2 && slots[at] === w0 && slots[at + 1] === w1) {
        slots[at + 3] += delta;
        return;
      }
      if (k2 === -1) {
        slots[at] = w0;
        slots[at + 1] = w1;
        slots[at + 2] = w2;
        slots[at + 3] = delta;
        if (this.size === this.order.length) {
          const o2 = new Int32Array(this.order.length * 2);
          o2.set(this.order);
          this.order = o2;
        }
        this.order[this.size++] = s;
        if (this.size * 2 > mask) this.rehash(2 * (mask + 1));
        return;
      }
    }
  }

  /** Every entry in insertion order (or key order after sort()). */
  forEach(fn: (w0: number, w1: number, w2: number, n: number) => void): void {
    const { slots, order } = this;
    for (let e = 0; e < this.size; e++) {
      const at = order[e] << 2;
      fn(slots[at], slots[at + 1], slots[at + 2], slots[at + 3]);
    }
  }

  /** Puts the entries in key order (w0, w1, w2 compared as signed integers). */
  sort(): void {
    const { slots, order } = this;
    const sorted = Int32Array.from(order.subarray(0, this.size)).sort((a, b) => {
      const x = a << 2;
      const y = b << 2;
      return slots[x] - slots[y] || slots[x + 1] - slots[y + 1] || slots[x + 2] - slots[y + 2];
    });
    order.set(sorted);
  }

  private rehash(slotCount: number): void {
    const old = this.slots;
    const slots = (this.slots = new Int32Array(4 * slotCount).fill(-1));
    const mask = (this.mask = slotCount - 1);
    const order = this.order;
    for (let e = 0; e < this.size; e++) {
      const from = order[e] << 2;
      let s = hash(old[from], old[from + 1], old[from + 2]) & mask;
      while (slots[(s << 2) + 2] !== -1) s = (s + 1) & mask;
      const at = s << 2;
      slots[at] = old[from];
      slots[at + 1] = old[from + 1];
      slots[at + 2] = old[from + 2];
      slots[at + 3] = old[from + 3];
      order[e] = s;
    }
  }
}

function hash(w0: number, w1: number, w2: number): number {
  const h = Math.imul(w0 ^ Math.imul(w1, 0x27d4eb2d) ^ Math.imul(w2, 0x165667b1), 0x9e3779b1);
  return h ^ (h >>> 15);
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

  /** Members a, b and c (-1 for a pair): numbers below 2^20 - 1. */
  overlap(month: number, dept: number, scope: number, level: number, m0: number, m1: number, m2: number, delta: number): void {
    const a = m0 + 1;
    const b = m1 + 1;
    const c = m2 + 1;
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
