import { CATEGORIES, monthStart, PYRAMIDE, REQUESTERS } from './codes';
import { MEASURES, OUTCOMES } from '@pdp/domain';
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

export interface CellTableParts {
  slots: Int32Array;
  order: Int32Array;
  size: number;
  mask: number;
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
  private slots: Int32Array = new Int32Array(4 * 2048).fill(-1);
  private mask = 2047;
  /** The slot of each entry, in insertion order (or key order after sort()). */
  private order: Int32Array = new Int32Array(1024);

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

  /** The table's memory, to hand it to another thread (CellTable.of on the other side). */
  parts(): CellTableParts {
    return { slots: this.slots, order: this.order, size: this.size, mask: this.mask };
  }

  static of(parts: CellTableParts): CellTable {
    const t = new CellTable();
    t.slots = parts.slots;
    t.order = parts.order;
    t.size = parts.size;
    t.mask = parts.mask;
    return t;
  }

  /** Adds every entry of another table (in its order). */
  addAll(other: CellTable): void {
    // Room for all of them at once (the tables of two halves of a rebuild are mostly disjoint).
    let slots = this.mask + 1;
    while ((this.size + other.size) * 2 > slots) slots *= 2;
    if (slots > this.mask + 1) {
      if (this.order.length < this.size + other.size) {
        const o2 = new Int32Array(this.size + other.size);
        o2.set(this.order.subarray(0, this.size));
        this.order = o2;
      }
      this.rehash(slots);
    }
    const { slots: theirs, order } = other;
    for (let e = 0; e < other.size; e++) {
      const at = order[e] << 2;
      this.add(theirs[at], theirs[at + 1], theirs[at + 2], theirs[at + 3]);
    }
  }

  /** The entries as columns, in insertion order (or key order after sort()). */
  toArrays(): { w0: Int32Array; w1: Int32Array; w2: Int32Array; n: Int32Array } {
    const { slots, order, size } = this;
    const w0 = new Int32Array(size);
    const w1 = new Int32Array(size);
    const w2 = new Int32Array(size);
    const n = new Int32Array(size);
    for (let e = 0; e < size; e++) {
      const at = order[e] << 2;
      w0[e] = slots[at];
      w1[e] = slots[at + 1];
      w2[e] = slots[at + 2];
      n[e] = slots[at + 3];
    }
    return { w0, w1, w2, n };
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
      const cacheKey = `${level}|${w1}|${w2}`;
      let members = memberNames.get(cacheKey);
      if (members === undefined) {
        members = membersText(level, w1, w2, names);
        memberNames.set(cacheKey, members);
      }
      rows.push({
        month: monthStartCached(md >>> 7),
        departement: DEPARTEMENTS[md & 127],
        scope: SCOPES[scope],
        level: LEVELS[level],
        members,
        size: w2 >>> 8 !== 0 ? 3 : 2,
        n,
      });
    });
    return rows;
  }

  /*
   * COPY text of each table (the columns of COPY_COLUMNS), in the order of the table's primary
   * key: PostgreSQL then builds the key over presorted rows (a check instead of a sort). Text
   * columns are ordered by code point (the "C" and "C.UTF-8" collations); under another one the
   * rows are sorted by PostgreSQL as before, with the same result.
   */

  *outcomeCopy(names: PartnerNames): Generator<Buffer> {
    const { w0, w1, w2, n } = this.outcomes.toArrays();
    const months = monthRange(w0, 7);
    const partners = partnerText(w1, names);
    const pyr = textRanks(PYRAMIDE);
    const out = textRanks(OUTCOMES);
    const keys = new Float64Array(n.length);
    for (let e = 0; e < n.length; e++) {
      const md = w0[e];
      const flags = w2[e] & 7;
      // credited, case_maintien, disagreement: false before true, in key order.
      const flagRank = ((flags & 1) << 2) | (flags & 2) | ((flags & 4) >> 2);
      keys[e] = ((((((md >>> 7) - months.min) * 128 + DEPT_RANKS[md & 127]) * partners.count + partners.rank[w1[e]]) * 8 + pyr[w2[e] >>> 7]) * 16 + out[(w2[e] >>> 3) & 15]) * 8 + flagRank;
    }
    const pyrText = PYRAMIDE.map(bytesOf);
    const outText = OUTCOMES.map(bytesOf);
    yield* copyLines(keys, n, (c, e) => {
      const md = w0[e];
      const p = w1[e];
      const w = w2[e];
      c.field(monthText(md >>> 7));
      c.field(DEPT_TEXT[md & 127]);
      c.field(partners.id[p]);
      c.field(partners.category[p]);
      c.field(pyrText[w >>> 7]);
      c.field(outText[(w >>> 3) & 15]);
      c.bool(w & 1);
      c.bool(w & 2);
      c.bool(w & 4);
      c.last(n[e]);
    });
  }

  *measureCopy(names: PartnerNames): Generator<Buffer> {
    const { w0, w1, w2, n } = this.measures.toArrays();
    const months = monthRange(w0, 7);
    const partners = partnerText(w1, names);
    const mea = textRanks(MEASURES);
    const req = textRanks(REQUESTERS);
    const keys = new Float64Array(n.length);
    for (let e = 0; e < n.length; e++) {
      const md = w0[e];
      const w = w2[e];
      const flagRank = ((w & 1) << 1) | ((w & 2) >> 1);
      keys[e] = (((((md >>> 7) - months.min) * 128 + DEPT_RANKS[md & 127]) * partners.count + partners.rank[w1[e]]) * mea.length + mea[w >>> 5]) * 32 + req[(w >>> 2) & 7] * 4 + flagRank;
    }
    const meaText = MEASURES.map(bytesOf);
    const reqText = REQUESTERS.map(bytesOf);
    yield* copyLines(keys, n, (c, e) => {
      const md = w0[e];
      const p = w1[e];
      const w = w2[e];
      c.field(monthText(md >>> 7));
      c.field(DEPT_TEXT[md & 127]);
      c.field(partners.id[p]);
      c.field(partners.category[p]);
      c.field(meaText[w >>> 5]);
      c.field(reqText[(w >>> 2) & 7]);
      c.bool(w & 1);
      c.bool(w & 2);
      c.last(n[e]);
    });
  }

  *overlapCopy(names: PartnerNames): Generator<Buffer> {
    const { w0, w1, w2, n } = this.overlaps.toArrays();
    const months = monthRange(w0, 9);
    // The members' text, once per combination, then its rank among the distinct ones.
    const byCombination = new Map<string, number>();
    const memberTexts: string[] = [];
    const memberOf = new Int32Array(n.length);
    for (let e = 0; e < n.length; e++) {
      const level = w0[e] & 1;
      const cacheKey = `${level}|${w1[e]}|${w2[e]}`;
      let m = byCombination.get(cacheKey);
      if (m === undefined) {
        m = memberTexts.length;
        memberTexts.push(t(membersText(level, w1[e], w2[e], names)));
        byCombination.set(cacheKey, m);
      }
      memberOf[e] = m;
    }
    const memberRanks = textRanks(memberTexts);
    const scopes = textRanks(SCOPES);
    const levels = textRanks(LEVELS);
    const keys = new Float64Array(n.length);
    for (let e = 0; e < n.length; e++) {
      const w = w0[e];
      const md = w >>> 2;
      keys[e] = ((((md >>> 7) - months.min) * 128 + DEPT_RANKS[md & 127]) * 4 + scopes[(w >>> 1) & 1] * 2 + levels[w & 1]) * memberTexts.length + memberRanks[memberOf[e]];
    }
    const scopeText = SCOPES.map(bytesOf);
    const levelText = LEVELS.map(bytesOf);
    const memberBytes = memberTexts.map(bytesOf);
    const sizeText = ['2', '3'].map(bytesOf);
    yield* copyLines(keys, n, (c, e) => {
      const w = w0[e];
      const md = w >>> 2;
      c.field(monthText(md >>> 7));
      c.field(DEPT_TEXT[md & 127]);
      c.field(scopeText[(w >>> 1) & 1]);
      c.field(levelText[w & 1]);
      c.field(memberBytes[memberOf[e]]);
      c.field(sizeText[w2[e] >>> 8 !== 0 ? 1 : 0]);
      c.last(n[e]);
    });
  }
}

const MONTH_STARTS: string[] = [];
function monthStartCached(month: number): string {
  return (MONTH_STARTS[month] ??= monthStart(month));
}

const SCOPES = ['maintien', 'accompaniment'] as const;
const LEVELS = ['partner', 'category'] as const;

/** The members of an overlap cell: partner ids or category names, alphabetical, joined by '+' (the key readers look up). */
function membersText(level: number, w1: number, w2: number, names: PartnerNames): string {
  const nums = [(w1 & 0xfffff) - 1, ((w1 >>> 20) | ((w2 & 0xff) << 12)) - 1];
  if (w2 >>> 8 !== 0) nums.push((w2 >>> 8) - 1);
  return nums
    .map((m) => (level === 0 ? names.id(m) : CATEGORIES[m]))
    .sort()
    .join('+');
}

/** COPY text escaping (identifiers and codes never need it, but stay correct if one does). */
function t(s: string): string {
  return /[\\\t\n\r]/.test(s) ? s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : s;
}

/** Ranks of strings in code-point order (JS compares UTF-16 units: the same for the codes and ids here). */
function textRanks(values: readonly string[]): Int32Array {
  const ranks = new Int32Array(values.length);
  Array.from(values.keys())
    .sort((a, b) => (values[a] < values[b] ? -1 : values[a] > values[b] ? 1 : 0))
    .forEach((v, r) => (ranks[v] = r));
  return ranks;
}

const DEPT_RANKS = textRanks(DEPARTEMENTS);

/** COPY text of a value, escaped, as UTF-8 bytes. */
function bytesOf(s: string): Buffer {
  return Buffer.from(t(s), 'utf8');
}

const DEPT_TEXT = DEPARTEMENTS.map(bytesOf);
const MONTH_TEXT: Buffer[] = [];
function monthText(month: number): Buffer {
  return (MONTH_TEXT[month] ??= bytesOf(monthStart(month)));
}

/** The smallest month of the keys (month in the bits above `shift` of w0). */
function monthRange(w0: Int32Array, shift: number): { min: number } {
  let min = Infinity;
  for (let e = 0; e < w0.length; e++) min = Math.min(min, w0[e] >>> shift);
  return { min: min === Infinity ? 0 : min };
}

/** Escaped id and category of every partner number in w1 (its low 20 bits), and the ids' ranks. */
function partnerText(w1: Int32Array, names: PartnerNames): { id: Buffer[]; category: Buffer[]; rank: Int32Array; count: number } {
  const present = new Set<number>();
  for (let e = 0; e < w1.length; e++) present.add(w1[e]);
  const nos = [...present];
  const ids = nos.map((p) => t(names.id(p)));
  const ranks = textRanks(ids);
  const id: Buffer[] = [];
  const category: Buffer[] = [];
  const rank = new Int32Array(nos.length === 0 ? 0 : Math.max(...nos) + 1);
  nos.forEach((p, i) => {
    id[p] = Buffer.from(ids[i], 'utf8');
    category[p] = bytesOf(names.categoryName(p));
    rank[p] = ranks[i];
  });
  return { id, category, rank, count: nos.length };
}

const CHUNK_BYTES = 1 << 16;

/** Builds COPY text lines straight into byte chunks (no string per line). */
class CopyChunk {
  buf = Buffer.allocUnsafe(CHUNK_BYTES + 4096);
  pos = 0;

  /** A column's text and the tab after it. */
  field(b: Uint8Array): void {
    const len = b.length;
    if (this.pos + len + 32 > this.buf.length) this.grow(len);
    const buf = this.buf;
    let pos = this.pos;
    for (let k = 0; k < len; k++) buf[pos++] = b[k];
    buf[pos++] = 9;
    this.pos = pos;
  }

  bool(x: number): void {
    if (this.pos + 32 > this.buf.length) this.grow(2);
    this.buf[this.pos++] = x !== 0 ? 116 : 102; // t, f
    this.buf[this.pos++] = 9;
  }

  /** The last column, an integer, and the end of the line. */
  last(v: number): void {
    if (this.pos + 32 > this.buf.length) this.grow(32);
    const buf = this.buf;
    let pos = this.pos;
    if (v < 0) {
      buf[pos++] = 45;
      v = -v;
    }
    let digits = 1;
    for (let x = v; x >= 10; x = Math.floor(x / 10)) digits++;
    for (let k = digits - 1; k >= 0; k--) {
      buf[pos + k] = 48 + (v % 10);
      v = Math.floor(v / 10);
    }
    pos += digits;
    buf[pos++] = 10;
    this.pos = pos;
  }

  take(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(CHUNK_BYTES + 4096);
    this.pos = 0;
    return out;
  }

  private grow(len: number): void {
    const b = Buffer.allocUnsafe(2 * this.buf.length + len);
    this.buf.copy(b, 0, 0, this.pos);
    this.buf = b;
  }
}

/** The lines of the entries with a count, in the order of their keys (exact integers below 2^53), in chunks of about a megabyte. */
function* copyLines(keys: Float64Array, n: Int32Array, line: (c: CopyChunk, e: number) => void): Generator<Buffer> {
  const size = keys.length;
  let order: ArrayLike<number>;
  let max = 0;
  for (let e = 0; e < size; e++) if (keys[e] > max) max = keys[e];
  const scale = 2 ** Math.ceil(Math.log2(size + 1));
  if ((max + 1) * scale <= Number.MAX_SAFE_INTEGER) {
    // Key and entry packed in one double: the native numeric sort, no comparator calls.
    const packed = new Float64Array(size);
    for (let e = 0; e < size; e++) packed[e] = keys[e] * scale + e;
    packed.sort();
    const o = new Int32Array(size);
    for (let i = 0; i < size; i++) o[i] = packed[i] % scale;
    order = o;
  } else order = Int32Array.from(keys.keys()).sort((a, b) => keys[a] - keys[b]);
  const chunk = new CopyChunk();
  for (let i = 0; i < size; i++) {
    const e = order[i];
    if (n[e] === 0) continue;
    line(chunk, e);
    if (chunk.pos >= CHUNK_BYTES) yield chunk.take();
  }
  if (chunk.pos > 0) yield chunk.take();
}
