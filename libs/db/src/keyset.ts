/**
 * Keyset pagination over a list ordered by an instant, then an id: a page ends at a position and
 * the next one starts right after it, so rows written meanwhile neither shift nor repeat a page
 * (an OFFSET would). The instant keeps its microseconds, as PostgreSQL stores them.
 */
export interface ListPosition {
  at: string;
  id: string;
}

/** The SQL of a timestamptz column as a position's `at` (UTC, to the microsecond). */
export function positionOf(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/**
 * The condition "after this position" in the list's order (ascending or descending), its two
 * values pushed onto params.
 */
export function afterPosition(params: unknown[], at: string, id: string, position: ListPosition, order: 'asc' | 'desc' = 'asc'): string {
  return `(${at}, ${id}) ${order === 'asc' ? '>' : '<'} ($${params.push(position.at)}::timestamptz, $${params.push(position.id)})`;
}
