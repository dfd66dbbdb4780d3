import { addDays, daysInclusive, parseIsoDate } from './dates';

describe('parseIsoDate', () => {
  it('gives the epoch milliseconds of a calendar date, as Date.UTC does', () => {
    for (const d of ['2026-09-01', '2024-02-29', '2000-02-29', '1999-12-31', '2026-12-31']) {
      expect(parseIsoDate(d)).toBe(Date.parse(`${d}T00:00:00Z`));
    }
  });

  it('refuses what is not a YYYY-MM-DD date that exists', () => {
    for (const d of [
      '2026-02-29',
      '1900-02-29',
      '2026-04-31',
      '2026-13-01',
      '2026-00-10',
      '2026-01-00',
      '2026-2-01',
      '2026-02-1',
      '2026/02/01',
      '20260201',
      '2026-02-01T00:00',
      'abcd-ef-gh',
      '2026-0a-01',
      ' 2026-02-01',
      '２０２６-02-01',
      '',
      '0000-01-01',
      '0000-02-29',
      '10000-01-01',
      '-001-01-01',
    ]) {
      expect(parseIsoDate(d)).toBeNaN();
    }
  });

  it('reads the years 0001–0099 as themselves, not as 1900–1999 (Date.UTC does)', () => {
    expect(parseIsoDate('0001-01-01')).toBe(Date.parse('0001-01-01T00:00:00Z'));
    expect(parseIsoDate('0050-02-28')).toBe(Date.parse('0050-02-28T00:00:00Z'));
    expect(parseIsoDate('0096-02-29')).toBe(Date.parse('0096-02-29T00:00:00Z'));
    expect(parseIsoDate('9999-12-31')).toBe(Date.parse('9999-12-31T00:00:00Z'));
  });

  it('counts days both ends included and adds days across months and leap days', () => {
    expect(daysInclusive('2026-09-01', '2026-09-30')).toBe(30);
    expect(daysInclusive('2024-02-28', '2024-03-01')).toBe(3);
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
  });
});
