import { fullFormats } from 'ajv-formats/dist/formats';
import { parseIsoDateTime } from './calendar';
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
    '2024-02-29T12:00:00.0100000001+05:45',
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

  /**
   * Why the hub refuses a value ajv-formats accepts: each is a value Date.parse or PostgreSQL
   * reads differently or not at all (calendar.ts). Worked out here from the text, independently
   * of the parser.
   */
  function refusedOnPurpose(name: 'date' | 'date-time', s: string): string | undefined {
    if (s.startsWith('0000')) return 'year 0000';
    if (name === 'date') return undefined;
    if (!/^.{10}[Tt ]/.test(s)) return 'separator';
    const time = /^.{11}(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(.*)$/.exec(s);
    if (!time) return undefined;
    if (time[3] === '60') return 'leap second';
    if ((time[4] ?? '').length > 9) return 'fraction of ten digits or more';
    const zone = time[5];
    if (/^[+-]\d\d$/.test(zone)) return 'offset without minutes';
    if (/^[+-]\d\d/.test(zone) && Number(zone.slice(1, 3)) > 14) return 'offset beyond 14:59';
    const instant = Date.parse(
      s.slice(0, 10) +
        'T' +
        s
          .slice(11)
          .replace(/z$/, 'Z')
          .replace(/^(.*[+-]\d\d)(\d\d)$/, '$1:$2'),
    );
    if (!(instant >= Date.parse('0001-01-01T00:00:00Z') && instant <= Date.parse('9999-12-31T23:59:59.999Z'))) return 'outside years 0001–9999';
    return undefined;
  }

  it.each([
    { name: 'date' as const, ours: isDate, seeds: dates, atLeast: 1000, valid: '2024-02-29', invalid: '2023-02-29' },
    { name: 'date-time' as const, ours: isDateTime, seeds: dateTimes, atLeast: 10000, valid: '2026-11-24T09:30:00.123+01:00', invalid: '2026-11-24T09:30:00' },
  ])('gives ajv-formats’ verdict on every $name around the usual shapes, but for the values it refuses on purpose', ({ name, ours, seeds, atLeast, valid, invalid }) => {
    const strings = corpus(seeds);
    expect(strings.length).toBeGreaterThan(atLeast);
    // Never accepts what the library refuses…
    expect(strings.filter((s) => ours(s) && !library(name)(s))).toEqual([]);
    // …and refuses what it accepts only for a stated reason.
    const refused = strings.filter((s) => !ours(s) && library(name)(s));
    expect(refused.filter((s) => refusedOnPurpose(name, s) === undefined)).toEqual([]);
    expect(strings.filter((s) => ours(s) && refusedOnPurpose(name, s) !== undefined)).toEqual([]);
    expect(ours(valid)).toBe(true);
    expect(ours(invalid)).toBe(false);
  });

  it('refuses year 0000, leap seconds, and offsets or fractions Date.parse or PostgreSQL cannot read', () => {
    for (const d of ['0000-01-01', '0000-02-29']) expect(isDate(d)).toBe(false);
    for (const d of ['0001-01-01', '0099-12-31', '9999-12-31']) expect(isDate(d)).toBe(true);
    for (const t of [
      '2026-12-31T23:59:60Z',
      '2016-12-31T23:59:60Z',
      '2026-12-31T22:59:60-01:00',
      '0000-01-01T00:00:00Z',
      '2026-11-24T09:30:00+01',
      '2026-11-24T09:30:00+16:00',
      '9999-12-31T23:59:59-12:00',
      '0001-01-01T00:30:00+01:00',
      '2026-11-24\u00a009:30:00Z',
      '2026-11-24\n09:30:00Z',
      '2024-02-29T12:00:00.0100000000Z',
    ]) {
      expect([t, isDateTime(t)]).toEqual([t, false]);
    }
    for (const t of [
      '2026-11-24T09:30:00+0100',
      '2026-11-24 09:30:00Z',
      '2026-11-24t09:30:00z',
      '2026-11-24T09:30:00+14:59',
      '0001-01-01T00:00:00Z',
      '9999-12-31T23:59:59.999Z',
      '2024-02-29T12:00:00.123456789Z',
    ]) {
      expect([t, isDateTime(t)]).toEqual([t, true]);
    }
  });

  it('reads every date-time it accepts as Date.parse does', () => {
    for (const t of corpus(dateTimes).filter(isDateTime)) {
      const iso =
        t.slice(0, 10) +
        'T' +
        t
          .slice(11)
          .replace(/z$/, 'Z')
          .replace(/^(.*[+-]\d\d)(\d\d)$/, '$1:$2');
      expect([t, parseIsoDateTime(t)]).toEqual([t, Date.parse(iso)]);
    }
    expect(parseIsoDateTime('0050-06-01T12:00:00Z')).toBe(Date.parse('0050-06-01T12:00:00Z'));
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
