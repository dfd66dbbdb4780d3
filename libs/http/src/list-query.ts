import { isIsoDate, isIsoDateTime } from '@pdp/contracts';
import type { ListPosition } from '@pdp/db';
import { ProblemException, ProblemViolation } from './problem';

/** A page's end as an opaque cursor (base64url of its instant and id): the client hands it back for the next page. */
export function encodeCursor(p: ListPosition): string {
  return Buffer.from(JSON.stringify([p.at, p.id])).toString('base64url');
}

/** The position a cursor names; null when it is not one the hub gave. */
export function decodeCursor(cursor: string): ListPosition | null {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    return typeof at === 'string' && isIsoDateTime(at) && typeof id === 'string' && id.length <= 200 ? { at, id } : null;
  } catch {
    return null;
  }
}

/** A list's page request: how many, after which position, within which period (from included, to excluded). */
export interface ListQuery {
  limit: number;
  after?: ListPosition;
  from?: string;
  to?: string;
}

const DAY_MS = 86_400_000;

/** A period bound: an instant with its offset as is, a YYYY-MM-DD date as that day's start in UTC (`to` as the next day's, so the day is included). */
function bound(v: string, end: boolean): string | undefined {
  if (isIsoDateTime(v)) return v;
  if (!isIsoDate(v)) return undefined;
  return end ? new Date(Date.parse(`${v}T00:00:00Z`) + DAY_MS).toISOString() : `${v}T00:00:00Z`;
}

/**
 * Reads `limit`, `cursor`, `from`, `to` and the list's own filters from a query string. Every
 * violation is named in one 400 problem; a filter outside its `choices` is one.
 */
export function parseListQuery<F extends string>(
  q: Record<string, unknown>,
  spec: { title: string; filters?: readonly F[]; choices?: Partial<Record<F, readonly string[]>>; defaultLimit?: number; maxLimit?: number },
): ListQuery & { filters: Partial<Record<F, string>> } {
  const errors: ProblemViolation[] = [];
  const text = (k: string): string | undefined => {
    const v = q[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.length > 200) {
      errors.push({ path: k, message: 'must be given once, as text of at most 200 characters' });
      return undefined;
    }
    return v;
  };
  const maxLimit = spec.maxLimit ?? 1000;
  const limitText = text('limit');
  const limit = limitText === undefined ? (spec.defaultLimit ?? 100) : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit) errors.push({ path: 'limit', message: `must be an integer from 1 to ${maxLimit}` });
  const cursorText = text('cursor');
  const after = cursorText === undefined ? undefined : decodeCursor(cursorText);
  if (after === null) errors.push({ path: 'cursor', message: 'is not a cursor this list gave' });
  const period: { from?: string; to?: string } = {};
  for (const k of ['from', 'to'] as const) {
    const v = text(k);
    if (v === undefined) continue;
    const b = bound(v, k === 'to');
    if (b === undefined) errors.push({ path: k, message: 'must be a YYYY-MM-DD date that exists or an ISO 8601 instant with its offset' });
    else period[k] = b;
  }
  const filters: Partial<Record<F, string>> = {};
  for (const f of spec.filters ?? []) {
    const v = text(f);
    if (v === undefined) continue;
    const choices = spec.choices?.[f];
    if (choices && !choices.includes(v)) errors.push({ path: f, message: `must be one of ${choices.join(', ')}` });
    else filters[f] = v;
  }
  const known = new Set<string>(['limit', 'cursor', 'from', 'to', ...(spec.filters ?? [])]);
  for (const k of Object.keys(q)) if (!known.has(k)) errors.push({ path: k, message: `is not a filter of this list (${[...known].join(', ')})` });
  if (errors.length) throw new ProblemException(400, spec.title, `${errors.length} violation(s)`, errors);
  return { limit, after: after ?? undefined, ...period, filters };
}

/** A page: its items, and the cursor of the next one (null on the last page). */
export interface ListPage<T> {
  items: T[];
  nextCursor: string | null;
}

/** Rows read with one more than the limit: a next page exists only when that extra row came back. */
export function pageOf<T>(rows: readonly { item: T; position: ListPosition }[], limit: number): ListPage<T> {
  const kept = rows.slice(0, limit);
  return { items: kept.map((r) => r.item), nextCursor: rows.length > limit ? encodeCursor(kept[kept.length - 1].position) : null };
}
