const DAY_MS = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Epoch ms of a YYYY-MM-DD date, NaN for a date that does not exist (2026-02-30).
 * Hand-rolled rather than Date.parse + toISOString: it runs several times per message.
 */
export function parseIsoDate(d: string): number {
  const m = ISO_DATE.exec(d);
  if (!m) return NaN;
  const year = +m[1];
  const month = +m[2];
  const day = +m[3];
  if (month < 1 || month > 12 || day < 1) return NaN;
  const leap = month === 2 && ((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0);
  if (day > DAYS_IN_MONTH[month - 1] + (leap ? 1 : 0)) return NaN;
  return Date.UTC(year, month - 1, day);
}

/** Days from start to end, both included (a leave from the 1st to the 30th lasts 30 days). */
export function daysInclusive(start: string, end: string): number {
  return Math.round((parseIsoDate(end) - parseIsoDate(start)) / DAY_MS) + 1;
}

export function addDays(d: string, days: number): string {
  return new Date(parseIsoDate(d) + days * DAY_MS).toISOString().slice(0, 10);
}
