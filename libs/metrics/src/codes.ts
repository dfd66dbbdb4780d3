/* Codes follow the schema enums' order: values are appended to the schemas, never inserted. */
import { commonEnum, Measure, PARTNER_CATEGORIES, PartnerCategory, PreRepriseRequester, PyramideLevel } from '@pdp/contracts';
import { MAINTIEN_OUTCOMES, MEASURES, OUTCOMES } from '@pdp/domain';

/** Small-integer codes of the outcome vocabulary (@pdp/domain), as stored in the compact outcome log (outcome_events). */
// A table rather than a Set: the rebuild asks for every case.
const MAINTIEN_CODES = new Uint8Array(OUTCOMES.length);
for (const o of MAINTIEN_OUTCOMES) MAINTIEN_CODES[OUTCOMES.indexOf(o)] = 1;

export function isMaintienCode(code: number): boolean {
  return MAINTIEN_CODES[code] === 1;
}

export const PRE_REPRISE_BIT = MEASURES.indexOf('visite-pre-reprise');

/** Code 0 means "not known". */
export const PYRAMIDE: readonly (PyramideLevel | 'unknown')[] = ['unknown', ...commonEnum<PyramideLevel>('PyramideLevel')];
export const REQUESTERS: readonly (PreRepriseRequester | 'none')[] = ['none', ...commonEnum<PreRepriseRequester>('PreRepriseRequester')];

export function measuresToBits(measures: readonly string[]): number {
  let bits = 0;
  for (const m of measures) {
    const i = MEASURES.indexOf(m as Measure);
    if (i >= 0) bits |= 1 << i;
  }
  return bits;
}

export function bitsToMeasures(bits: number): Measure[] {
  return MEASURES.filter((_, i) => (bits & (1 << i)) !== 0);
}

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a YYYY-MM-DD date. */
export function toDay(iso: string): number {
  return Math.floor(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);
}

export function fromDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Months since 1970-01 of a day number (the period key of the aggregates). */
export function monthOfDay(day: number): number {
  const d = new Date(day * DAY_MS);
  return (d.getUTCFullYear() - 1970) * 12 + d.getUTCMonth();
}

/** First day of a month index, as YYYY-MM-DD (the `month` column of the aggregates). */
export function monthStart(monthIndex: number): string {
  const y = 1970 + Math.floor(monthIndex / 12);
  const m = (monthIndex % 12) + 1;
  return `${y}-${String(m).padStart(2, '0')}-01`;
}

/** Partner categories (PartnerCategory of common/1, in schema order), coded for the overlap of categories. */
export const CATEGORIES: readonly PartnerCategory[] = PARTNER_CATEGORIES;
