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

/** A field of `COPY … FROM STDIN` in text format; null and undefined are SQL NULL. */
export type CopyField = string | number | boolean | null | undefined;

const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function copyField(v: CopyField): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v !== 'string') return String(v);
  // Serialised JSON and identifiers rarely hold one: test before replacing.
  return COPY_SPECIAL.test(v) ? v.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]) : v;
}

/**
 * Items as rows of `COPY … FROM STDIN` in text format (tab-separated, one line each, `\N` for
 * NULL), for `Sql.copyIn`. COPY is PostgreSQL's cheapest way in for rows known to be new: no
 * JSON parameter to parse and take apart, and the heap takes them several at a time. Chunks of
 * about `charsPerChunk` characters: each is a short-lived string that dies young, where one
 * string per batch (megabytes) went to V8's large-object space, freshly mapped memory and page
 * faults each time; and each chunk costs socket writes, so a chunk of small rows (a message
 * trace is ~180 bytes) holds many of them (docs/performance.md).
 */
export function* copyChunks<T>(items: readonly T[], fields: (item: T) => readonly CopyField[], charsPerChunk = 60_000): Generator<string> {
  let chunk = '';
  for (const item of items) {
    const f = fields(item);
    let row = copyField(f[0]);
    for (let k = 1; k < f.length; k++) row += '\t' + copyField(f[k]);
    chunk += row + '\n';
    if (chunk.length >= charsPerChunk) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}
