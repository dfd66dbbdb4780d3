// Date arithmetic is the generator's hot path (millions of dates): day numbers with a cached
// day → "YYYY-MM-DD" table instead of parsing and formatting Date objects each time.
const DAY_MS = 86_400_000;
const FIRST = 9_000; // 1994-08-22
const LAST = 25_000; // 2038-06-12
const NAMES: string[] = [];
const NUMBERS = new Map<string, number>();

for (let d = FIRST; d <= LAST; d++) {
  const s = new Date(d * DAY_MS).toISOString().slice(0, 10);
  NAMES.push(s);
  NUMBERS.set(s, d);
}

export function dayOf(iso: string): number {
  const d = NUMBERS.get(iso);
  return d ?? Math.floor(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);
}

export function isoOf(day: number): string {
  return day >= FIRST && day <= LAST ? NAMES[day - FIRST] : new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The date n days after iso (n may be negative). */
export function plusDays(iso: string, n: number): string {
  return isoOf(dayOf(iso) + n);
}
