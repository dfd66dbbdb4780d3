import { checkDims } from '@pdp/metrics';
import { ProblemException } from '@pdp/http';
import { filterOf, isQueryDate } from './params';

const problem = (q: Record<string, unknown>) => {
  try {
    filterOf(q as Record<string, string>);
  } catch (e) {
    return { status: (e as ProblemException).getStatus(), errors: (e as ProblemException).errors };
  }
  return undefined;
};

describe('metrics query parameters', () => {
  it('takes days that exist, on the hub’s one calendar', () => {
    expect(filterOf({ from: '2024-02-29', to: '2026-12-31', by: 'partner, outcome' })).toMatchObject({ from: '2024-02-29', to: '2026-12-31', by: ['partner', 'outcome'] });
    for (const d of ['2026-02-30', '2026-13-01', '0000-01-01', '2026-2-1', '']) expect([d, isQueryDate(d)]).toEqual([d, false]);
  });

  it('answers 400 for an impossible date, an unknown period or a parameter given twice', () => {
    expect(problem({ from: '2026-02-30' })).toEqual({ status: 400, errors: [{ path: 'from', message: 'must be a YYYY-MM-DD date that exists' }] });
    expect(problem({ asOf: '0000-01-01' })).toEqual({ status: 400, errors: [{ path: 'asOf', message: 'must be a YYYY-MM-DD date that exists' }] });
    expect(problem({ period: 'week' })?.status).toBe(400);
    expect(problem({ by: ['partner', 'outcome'] })).toEqual({ status: 400, errors: [{ path: 'by', message: 'must be given once' }] });
  });

  it('knows a dimension only by its own name (not an Object.prototype one)', () => {
    const dims = { partner: 'partner_id' };
    expect(checkDims(['partner'], dims)).toBeNull();
    for (const d of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) expect(checkDims([d], dims)).toMatch(/^unknown dimension/);
  });
});
