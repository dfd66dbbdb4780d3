/**
 * The hub's one reading of dates and date-times: the contracts' `date` and `date-time` formats,
 * the domain's date checks (libs/domain dates.ts re-exports parseIsoDate), the adhesion directory
 * and the query parameters all accept exactly what these accept. A value they accept is one
 * that JavaScript's Date and PostgreSQL's date and timestamptz both read as the same instant, so
 * a message that passed validation cannot fail later in a handler or at the database for its
 * dates: no year 0000 (PostgreSQL has none), no leap second (":60": Date.parse and PostgreSQL
 * read it differently), no offset without minutes ("+01": Date.parse refuses it) or beyond what
 * PostgreSQL takes, no fraction of a second Date.parse misreads, nothing past 9999-12-31.
 *
 * Hand-rolled, character by character, rather than Date.parse or regular expressions (whose
 * match arrays were 2 % of the normalizer's time): they run several times per message.
 */

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** 400 Gregorian years: Date.UTC reads years 0–99 as 1900–1999, so those are shifted by this. */
const FOUR_CENTURIES_MS = 146_097 * 86_400_000;
/** The instants a date-time may denote: years 0001 to 9999 in UTC. */
const EARLIEST_MS = Date.UTC(2001, 0, 1) - 5 * FOUR_CENTURIES_MS;
const LATEST_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
/** PostgreSQL refuses offsets from UTC beyond 15:59; the world's span from −12:00 to +14:00. */
const MAX_OFFSET_HOURS = 14;

/** The decimal number written in s[from, to), NaN unless every character is an ASCII digit. */
function digits(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i) - 48;
    if (!(c >= 0 && c <= 9)) return NaN;
    n = n * 10 + c;
  }
  return n;
}

/** Epoch ms of the `YYYY-MM-DD` in s[at, at + 10), NaN unless that calendar day exists (year 0001–9999). */
function dateAt(s: string, at: number): number {
  if (s.charCodeAt(at + 4) !== 45 || s.charCodeAt(at + 7) !== 45) return NaN;
  const year = digits(s, at, at + 4);
  const month = digits(s, at + 5, at + 7);
  const day = digits(s, at + 8, at + 10);
  if (!(year >= 1 && month >= 1 && month <= 12 && day >= 1)) return NaN;
  const leap = month === 2 && ((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0);
  if (day > DAYS_IN_MONTH[month - 1] + (leap ? 1 : 0)) return NaN;
  return year < 100 ? Date.UTC(year + 400, month - 1, day) - FOUR_CENTURIES_MS : Date.UTC(year, month - 1, day);
}

/** Epoch ms of a `YYYY-MM-DD` date (UTC midnight), NaN for anything else or a day that does not exist (2026-02-30, 0000-01-01). */
export function parseIsoDate(d: string): number {
  return typeof d === 'string' && d.length === 10 ? dateAt(d, 0) : NaN;
}

/**
 * Epoch ms of an RFC 3339 date-time, NaN when it is not one the hub takes:
 * `YYYY-MM-DD` `T` (or `t`, or a space) `hh:mm:ss`, an optional fraction of a second (at most
 * nine digits), then `Z`
 * (or `z`) or an offset `±hh:mm` (or `±hhmm`) of at most 14:59. Hours 00–23, minutes and
 * seconds 00–59: no leap second.
 */
export function parseIsoDateTime(s: string): number {
  if (typeof s !== 'string' || s.length < 20) return NaN;
  const day = dateAt(s, 0);
  const sep = s.charCodeAt(10);
  if (Number.isNaN(day) || (sep !== 84 && sep !== 116 && sep !== 32)) return NaN;
  if (s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return NaN;
  const hour = digits(s, 11, 13);
  const minute = digits(s, 14, 16);
  const second = digits(s, 17, 19);
  if (!(hour <= 23 && minute <= 59 && second <= 59)) return NaN;
  let i = 19;
  let ms = 0;
  if (s.charCodeAt(i) === 46) {
    const start = ++i;
    while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
    // Date.parse misreads fractions of ten digits or more (".0100000000" as 100 ms).
    if (i === start || i - start > 9) return NaN;
    // Milliseconds, the rest truncated as Date.parse does.
    for (let k = start; k < start + 3; k++) ms = ms * 10 + (k < i ? s.charCodeAt(k) - 48 : 0);
  }
  let offsetMinutes = 0;
  const zone = s.charCodeAt(i);
  if (zone === 90 || zone === 122) {
    if (i + 1 !== s.length) return NaN;
  } else if (zone === 43 || zone === 45) {
    const colon = s.charCodeAt(i + 3) === 58;
    if (s.length !== i + (colon ? 6 : 5)) return NaN;
    const h = digits(s, i + 1, i + 3);
    const m = digits(s, colon ? i + 4 : i + 3, s.length);
    if (!(h <= MAX_OFFSET_HOURS && m <= 59)) return NaN;
    offsetMinutes = (zone === 43 ? 1 : -1) * (h * 60 + m);
  } else return NaN;
  const instant = day + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + ms;
  return instant >= EARLIEST_MS && instant <= LATEST_MS ? instant : NaN;
}

export function isIsoDate(s: string): boolean {
  return !Number.isNaN(parseIsoDate(s));
}

export function isIsoDateTime(s: string): boolean {
  return !Number.isNaN(parseIsoDateTime(s));
}
