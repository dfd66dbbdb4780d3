import { decodeCursor, encodeCursor, pageOf, parseListQuery } from './list-query';
import { ProblemException } from './problem';

const problemOf = (q: Record<string, unknown>) => {
  try {
    parseListQuery(q, { title: 't', filters: ['stage'], choices: { stage: ['a', 'b'] } });
  } catch (e) {
    return (e as ProblemException).errors?.map((v) => v.path).sort();
  }
  return undefined;
};

describe('list queries', () => {
  it('round-trips a cursor and refuses one it did not give', () => {
    const p = { at: '2026-12-04T10:11:12.123456Z', id: 'dl_x' };
    expect(decodeCursor(encodeCursor(p))).toEqual(p);
    expect(decodeCursor('not-a-cursor')).toBeNull();
    expect(decodeCursor(Buffer.from(JSON.stringify(['0000-01-01T00:00:00Z', 'x'])).toString('base64url'))).toBeNull();
  });

  it('reads a period: a date as its day (to included), an instant as is', () => {
    const q = parseListQuery({ from: '2026-02-28', to: '2026-02-28', stage: 'a' }, { title: 't', filters: ['stage'], choices: { stage: ['a'] } });
    expect(q).toEqual({ limit: 100, after: undefined, from: '2026-02-28T00:00:00Z', to: '2026-03-01T00:00:00.000Z', filters: { stage: 'a' } });
    expect(parseListQuery({ to: '2026-02-28T10:00:00+01:00' }, { title: 't' }).to).toBe('2026-02-28T10:00:00+01:00');
  });

  it('names every bad parameter: impossible dates, limits, choices, unknown filters, repeated ones', () => {
    expect(problemOf({ from: '2026-02-30', limit: '0', stage: 'c', colour: 'red', cursor: 'x' })).toEqual(['colour', 'cursor', 'from', 'limit', 'stage']);
    expect(problemOf({ stage: ['a', 'b'] })).toEqual(['stage']);
    expect(problemOf({ limit: '1001' })).toEqual(['limit']);
    expect(problemOf({ limit: '1000' })).toBeUndefined();
  });

  it('gives a next cursor only when a row beyond the page came back', () => {
    const rows = [1, 2, 3].map((n) => ({ item: n, position: { at: `2026-01-0${n}T00:00:00Z`, id: String(n) } }));
    expect(pageOf(rows, 3)).toEqual({ items: [1, 2, 3], nextCursor: null });
    const page = pageOf(rows, 2);
    expect(page.items).toEqual([1, 2]);
    expect(decodeCursor(page.nextCursor!)).toEqual({ at: '2026-01-02T00:00:00Z', id: '2' });
  });
});
