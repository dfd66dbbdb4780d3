const DAY_MS = 86_400_000;

/** Epoch ms of a YYYY-MM-DD date, NaN for a date that does not exist (2026-02-30). */
export function parseIsoDate(d: string): number {
  const t = Date.parse(`${d}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === d ? t : NaN;
}

/** Days from start to end, both included (a leave from the 1st to the 30th lasts 30 days). */
export function daysInclusive(start: string, end: string): number {
  return Math.round((parseIsoDate(end) - parseIsoDate(start)) / DAY_MS) + 1;
}

export function addDays(d: string, days: number): string {
  return new Date(parseIsoDate(d) + days * DAY_MS).toISOString().slice(0, 10);
}
