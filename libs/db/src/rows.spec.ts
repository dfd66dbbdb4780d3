import { asRecordset, jsonArray } from './rows';

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
