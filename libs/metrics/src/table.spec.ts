import { snapToPeriods } from './table';

describe('metric query bounds', () => {
  it('widen to whole periods, so bounds inside one period give the same table', () => {
    expect(snapToPeriods({ period: 'quarter', from: '2026-02-14', to: '2026-05-02' })).toEqual({ period: 'quarter', from: '2026-01-01', to: '2026-06-30' });
    expect(snapToPeriods({ period: 'month', from: '2024-02-29', to: '2024-02-01' })).toEqual({ period: 'month', from: '2024-02-01', to: '2024-02-29' });
    expect(snapToPeriods({ period: 'year', from: '2025-12-31', to: '2025-01-01' })).toEqual({ period: 'year', from: '2025-01-01', to: '2025-12-31' });
    expect(snapToPeriods({ period: 'quarter', to: '2026-12-01' })).toEqual({ period: 'quarter', to: '2026-12-31' });
  });
});
