import { parseIsoDate } from '@pdp/contracts';

/**
 * Epoch ms of a YYYY-MM-DD date, NaN for a date that does not exist (2026-02-30, 0000-01-01):
 * the contracts' calendar (libs/contracts calendar.ts), the one every date check of the hub uses.
 */
export { parseIsoDate };

const DAY_MS = 86_400_000;

/** Days from start to end, both included (a leave from the 1st to the 30th lasts 30 days). */
export function daysInclusive(start: string, end: string): number {
  return Math.round((parseIsoDate(end) - parseIsoDate(start)) / DAY_MS) + 1;
}

export function addDays(d: string, days: number): string {
  return new Date(parseIsoDate(d) + days * DAY_MS).toISOString().slice(0, 10);
}
