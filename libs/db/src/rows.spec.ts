import { asRecordset, copyChunks, CopyField, jsonArray } from './rows';

const copyRows = (rows: CopyField[][]) => [...copyChunks(rows, (r) => r)].join('');

describe('batch parameters', () => {
  it('jsonArray joins serialised items into one JSON array', () => {
    const items = [{ a: 1 }, { b: 'x,]' }, { c: [1, 2] }];
    expect(JSON.parse(jsonArray(items.map((i) => JSON.stringify(i))))).toEqual(items);
    expect(JSON.parse(jsonArray([JSON.stringify({ only: true })]))).toEqual([{ only: true }]);
    expect(jsonArray([])).toBe('[]');
  });
  it('jsonArray leaves its input as it was', () => {
    const items = ['1', '2'];
    jsonArray(items);
    expect(items).toEqual(['1', '2']);
  });
  it('asRecordset is the rows as JSON', () => {
    expect(JSON.parse(asRecordset([{ k: 'a', n: 1 }]))).toEqual([{ k: 'a', n: 1 }]);
  });
});

describe('COPY text rows', () => {
  it('separates fields by tabs and rows by newlines, with \\N for NULL', () => {
    expect(
      copyRows([
        ['a', 1, true, null],
        ['b', 2.5, false, undefined],
      ]),
    ).toBe('a\t1\ttrue\t\\N\nb\t2.5\tfalse\t\\N\n');
  });
  it('escapes backslashes, tabs, newlines and carriage returns', () => {
    expect(copyRows([['{"s":"x\\"y"}', 'a\tb', 'l1\nl2\r']])).toBe('{"s":"x\\\\"y"}\ta\\tb\tl1\\nl2\\r\n');
  });
  it('is empty for no rows', () => {
    expect(copyRows([])).toBe('');
  });
});

describe('COPY text in chunks', () => {
  it('gives the same text whatever the chunk size, whole rows per chunk of about the size asked', () => {
    const items = Array.from({ length: 10 }, (_, i) => ({ id: `r${i}`, n: i, note: i % 3 ? null : 'a\tb' }));
    // Rows are 9 or 10 characters: a chunk closes once it holds 20 or more, i.e. after 2 or 3 rows.
    const chunks = [...copyChunks(items, (x) => [x.id, x.n, x.note], 20)];
    expect(chunks.join('')).toBe(copyRows(items.map((x) => [x.id, x.n, x.note])));
    expect(chunks.every((c) => c.endsWith('\n'))).toBe(true);
    expect(chunks.slice(0, -1).every((c) => c.length >= 20 && c.length < 30)).toBe(true);
    expect(chunks.at(-1)).toBe('r9\t9\ta\\tb\n');
    expect([...copyChunks([], (x: CopyField[]) => x)]).toEqual([]);
  });
});
