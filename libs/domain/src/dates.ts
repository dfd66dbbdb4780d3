const DAY_MS = 86_400_000;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Epoch ms of a YYYY-MM-DD date, NaN for a date that does not exist (2026-02-30).
 * Hand-rolled, character by character, rather than Date.parse or a regular expression (whose
 * match arrays were 2 % of the normalizer's time): it runs several times per message.
 */
export function parseIsoDate(d: string): number {
  if (d.length !== 10 || d.charCodeAt(4) !== 45 || d.charCodeAt(7) !== 45) return NaN;
  const year = digits(d, 0, 4);
  const month = digits(d, 5, 7);
  const day = digits(d, 8, 10);
  if (month < 1 || month > 12 || day < 1) return NaN;
  const leap = month === 2 && ((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0);
  if (day > DAYS_IN_MONTH[month - 1] + (leap ? 1 : 0)) return NaN;
  return Date.UTC(year, month - 1, day);
}

/** The decimal number written in d[from, to), NaN unless every character is a digit. */
function digits(d: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = d.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return NaN;
    n = n * 10 + c;
  }
  return n;
}

/** Days from start to end, both included (a leave from the 1st to the 30th lasts 30 days). */
export function daysInclusive(start: string, end: string): number {
  return Math.round((parseIsoDate(end) - parseIsoDate(start)) / DAY_MS) + 1;
}

export function addDays(d: string, days: number): string {
  return new Date(parseIsoDate(d) + days * DAY_MS).toISOString().slice(0, 10);
}
