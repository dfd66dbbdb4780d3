import { suppress, TableRow } from './masking';
import { finishTable, periodParents } from './table';
import { regionOf } from './territory';

const row = (period: string, dims: Record<string, string>, values: Record<string, number>): TableRow => ({ period, dims, values });
const parents = { period: periodParents('quarter'), departement: [regionOf, () => 'all'] };

describe('masking of small cells', () => {
  it('masks a cell below the threshold, and all its linked counters', () => {
    const out = suppress([row('2025-Q1', { departement: '69' }, { raw: 40, deduplicated: 32, duplicates: 8 })], { threshold: 10, parents });
    expect(out[0].masked).toBe('primary');
  });

  it('masks a second cell of every line so that the masked one cannot be recomputed from the total', () => {
    const rows = [
      row('2025-Q1', { departement: '69' }, { n: 4 }),
      row('2025-Q1', { departement: '38' }, { n: 50 }),
      row('2025-Q1', { departement: '01' }, { n: 30 }),
      row('2025-Q1', { departement: '13' }, { n: 100 }),
    ];
    const out = suppress(rows, { threshold: 10, parents });
    expect(out.map((r) => r.masked)).toEqual(['primary', 'no', 'secondary', 'no']);
  });

  it('leaves no line with exactly one masked cell, over random tables', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const deps = ['69', '38', '01', '13', '83', '75', '92'];
    const cats = ['spsti', 'cap-emploi', 'service-social-carsat'];
    for (let t = 0; t < 50; t++) {
      const rows: TableRow[] = [];
      for (const q of ['2025-Q1', '2025-Q2', '2026-Q1'])
        for (const d of deps) for (const c of cats) if (rnd() < 0.8) rows.push(row(q, { departement: d, category: c }, { n: Math.floor(rnd() * 40) + 1 }));
      const out = suppress(rows, { threshold: 10, parents });
      // Every line: fix all dimensions but one, group by the parents of that one.
      const lines = new Map<string, number[]>();
      out.forEach((r, i) => {
        const keys = [
          ...parents.period.map((p) => `p|${p(r.period)}|${r.dims.departement}|${r.dims.category}`),
          ...parents.departement.map((p) => `d|${r.period}|${p(r.dims.departement)}|${r.dims.category}`),
          `c|${r.period}|${r.dims.departement}`,
        ];
        for (const k of keys) lines.set(k, [...(lines.get(k) ?? []), i]);
      });
      for (const line of lines.values()) {
        const total = line.reduce((s, i) => s + out[i].values.n, 0);
        if (total < 10 || line.length < 2) continue;
        expect(line.filter((i) => out[i].masked !== 'no').length).not.toBe(1);
      }
      for (const r of out) if (r.values.n < 10) expect(r.masked).toBe('primary');
    }
  });

  it('publishes no value for a masked row, and masks a small total', () => {
    const t = finishTable('maintiens', { period: 'quarter', by: ['departement'] }, [row('2025-Q1', { departement: '69' }, { raw: 3, deduplicated: 3, duplicates: 0 })], 10, {});
    expect(t.rows[0]).toMatchObject({ masked: 'primary', values: null });
    expect(t.total).toMatchObject({ masked: 'primary', values: null });
  });
});
