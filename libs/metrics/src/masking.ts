/**
 * Statistical disclosure control of the published tables.
 *
 * Primary suppression: a row is masked when any of its counters is between 1 and threshold - 1
 * (all its counters together, since they are linked: raw = deduplicated + duplicates).
 * Secondary suppression: every total a reader can obtain (the same query at a coarser period or
 * territory, or without a dimension) is the sum of a "line" of rows; a line holding exactly one
 * masked row would give it away by subtraction, so the smallest other row of the line is masked
 * too, until every line holds zero or at least two masked rows. A line whose total is itself
 * masked is not published, so it needs no protection.
 */
export interface TableRow {
  period: string;
  dims: Record<string, string>;
  values: Record<string, number>;
}

export type MaskState = 'no' | 'primary' | 'secondary';

export interface MaskedRow extends TableRow {
  masked: MaskState;
}

export interface MaskOptions {
  threshold: number;
  /** Per dimension ('period' included): functions mapping a value to the coarser total it adds up to. */
  parents: Record<string, ((value: string) => string)[]>;
}

export function isSmall(values: Record<string, number>, threshold: number): boolean {
  return Object.values(values).some((v) => v > 0 && v < threshold);
}

export function suppress(rows: TableRow[], opts: MaskOptions): MaskedRow[] {
  const out: MaskedRow[] = rows.map((r) => ({ ...r, masked: isSmall(r.values, opts.threshold) ? 'primary' : 'no' }));
  if (!out.some((r) => r.masked !== 'no')) return out;
  const { lines: all, alone } = linesOf(out, opts);
  const lines = all.filter((line) => !isSmall(sum(line.map((i) => out[i].values)), opts.threshold));
  for (let changed = true; changed;) {
    changed = false;
    for (const line of lines) {
      const masked = line.filter((i) => out[i].masked !== 'no').length;
      if (masked !== 1) continue;
      // A row alone in some line is published anyway as that line's total: masking it would
      // protect nothing, so another row is preferred.
      const open = line.filter((i) => out[i].masked === 'no');
      const candidates = open.some((i) => !alone.has(i)) ? open.filter((i) => !alone.has(i)) : open;
      if (candidates.length === 0) continue;
      const pick = candidates.reduce((best, i) => (weight(out[i]) < weight(out[best]) ? i : best));
      out[pick].masked = 'secondary';
      changed = true;
    }
  }
  return out;
}

function linesOf(rows: MaskedRow[], opts: MaskOptions): { lines: number[][]; alone: Set<number> } {
  const dims = ['period', ...Object.keys(rows[0]?.dims ?? {})];
  const value = (r: TableRow, d: string) => (d === 'period' ? r.period : r.dims[d]);
  const lines: number[][] = [];
  const alone = new Set<number>();
  for (const d of dims) {
    for (const parent of opts.parents[d] ?? [() => 'all']) {
      const groups = new Map<string, number[]>();
      rows.forEach((r, i) => {
        const key = dims.map((o) => (o === d ? `=${parent(value(r, d))}` : value(r, o))).join('\u0000');
        const g = groups.get(key);
        if (g) g.push(i);
        else groups.set(key, [i]);
      });
      for (const g of groups.values()) {
        if (g.length > 1) lines.push(g);
        else alone.add(g[0]);
      }
    }
  }
  return { lines, alone };
}

function weight(r: TableRow): number {
  return Object.values(r.values).reduce((a, b) => a + b, 0);
}

export function sum(values: Record<string, number>[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const v of values) for (const [k, n] of Object.entries(v)) total[k] = (total[k] ?? 0) + n;
  return total;
}
