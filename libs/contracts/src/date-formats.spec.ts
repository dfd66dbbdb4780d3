import { fullFormats } from 'ajv-formats/dist/formats';
import { isDate, isDateTime } from './date-formats';
import { ContractIds } from './topics';
import { ContractRegistry } from './validators';

const library = (name: 'date' | 'date-time') => (fullFormats[name] as { validate: (s: string) => boolean }).validate;

/** Strings around the usual shapes: valid ones, and each character changed, cut or added. */
function corpus(seeds: string[]): string[] {
  const out = new Set<string>(seeds);
  const alphabet = ['0', '1', '2', '3', '5', '9', '-', ':', '.', 'T', 't', 'Z', 'z', '+', ' ', '\u00a0', 'x', '6'];
  for (const s of seeds) {
    for (let i = 0; i <= s.length; i++) {
      out.add(s.slice(0, i));
      out.add(s.slice(0, i) + s.slice(i + 1));
      for (const c of alphabet) {
        out.add(s.slice(0, i) + c + s.slice(i + 1));
        out.add(s.slice(0, i) + c + s.slice(i));
      }
    }
  }
  return [...out];
}

describe('date formats', () => {
  const dates = ['2026-11-24', '2024-02-29', '2023-02-29', '2000-02-29', '1900-02-29', '2026-04-31', '2026-12-31', '2026-00-10', '2026-13-01', '0000-01-01', '9999-12-31'];
  const dateTimes = [
    '2026-11-24T09:30:00Z',
    '2026-11-24T09:30:00.123Z',
    '2026-11-24T23:59:59+01:00',
    '2026-11-24T00:00:00-12:30',
    '2026-11-24t09:30:00z',
    '2026-11-24 09:30:00Z',
    '2026-12-31T23:59:60Z',
    '2026-12-31T22:59:60-01:00',
    '2026-11-24T09:30:00+0100',
    '2026-11-24T09:30:00+01',
    '2026-11-24T24:00:00Z',
    '2026-11-24T09:60:00Z',
    '2026-11-24T09:30:00+24:00',
    '2026-11-24T09:30:00.Z',
    '2026-11-24T09:30:00',
    '2024-02-29T12:00:00.000000001+05:45',
  ];

  it.each([
    { name: 'date' as const, ours: isDate, seeds: dates, atLeast: 1000, valid: '2024-02-29', invalid: '2023-02-29' },
    { name: 'date-time' as const, ours: isDateTime, seeds: dateTimes, atLeast: 10000, valid: '2026-11-24T09:30:00.123+01:00', invalid: '2026-11-24T09:30:00' },
  ])('gives ajv-formats’ verdict on every $name around the usual shapes', ({ name, ours, seeds, atLeast, valid, invalid }) => {
    const strings = corpus(seeds);
    expect(strings.length).toBeGreaterThan(atLeast);
    expect(strings.filter((s) => ours(s) !== library(name)(s))).toEqual([]);
    expect(ours(valid)).toBe(true);
    expect(ours(invalid)).toBe(false);
  });

  it('is what the contracts validate with', () => {
    const common = new ContractRegistry();
    const formats = (common as unknown as { ajv: { formats: Record<string, { validate: unknown }> } }).ajv.formats;
    expect(formats.date.validate).toBe(isDate);
    expect(formats['date-time'].validate).toBe(isDateTime);
    // A schema-level check: an impossible date in a notification is a violation at its path.
    const sickLeave = common.contract<unknown>(ContractIds.sickLeaveNotification);
    const r = sickLeave.validate({ startDate: '2023-02-29' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.violations.some((v) => v.path === '/startDate' && /date/.test(v.message))).toBe(true);
  });
});
