import type { FormatDefinition } from 'ajv';
import { fullFormats } from 'ajv-formats/dist/formats';
import { isIsoDate, isIsoDateTime } from './calendar';

/**
 * The contracts' `date` and `date-time` formats: the hub's one calendar (calendar.ts), so that a
 * message the contracts accept has dates every later step reads (Date.parse, PostgreSQL). They
 * take what ajv-formats takes except a year 0000, a leap second, an offset without minutes or
 * beyond ±14:59, a date-time past 9999-12-31 UTC, and a separator other than `T`, `t` or a
 * space; they read characters instead of splitting and matching (the library's versions
 * allocated about a fifth of what the normalizer allocated per notification).
 */
const libraryDate = fullFormats.date as FormatDefinition<string>;
const libraryDateTime = fullFormats['date-time'] as FormatDefinition<string>;

export const isDate = isIsoDate;
export const isDateTime = isIsoDateTime;

export const dateFormats: Record<'date' | 'date-time', FormatDefinition<string>> = {
  date: { ...libraryDate, validate: isDate },
  'date-time': { ...libraryDateTime, validate: isDateTime },
};
