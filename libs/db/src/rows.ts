/**
 * Batch parameters as one JSON document: `FROM jsonb_to_recordset($1::jsonb) AS x(col type, …)`.
 * One parameter whatever the batch size, serialised by V8's JSON.stringify rather than
 * pg's per-element array escaping (which showed in profiles).
 */
export function asRecordset(rows: readonly object[]): string {
  return JSON.stringify(rows);
}

/**
 * A JSON array of already-serialised items, as one flat string. `[${items.join(',')}]` would be
 * a rope that pg flattens before sending (one more copy of a multi-MB string, each copy of
 * that size in freshly mapped memory); join() alone yields a flat string.
 */
export function jsonArray(items: readonly string[]): string {
  if (items.length === 0) return '[]';
  const parts = items.slice();
  parts[0] = '[' + parts[0];
  parts[parts.length - 1] += ']';
  return parts.join(',');
}
