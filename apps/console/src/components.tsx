import { ReactNode, useCallback, useEffect, useState } from 'react';
import { api, ApiError, Page, query } from './api';

/** A problem the hub answered, with each violation it named. */
export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const e = error instanceof ApiError ? error : new ApiError(0, String((error as Error)?.message ?? error));
  return (
    <div className="error" role="alert">
      <strong>{e.title}</strong>
      {e.detail ? <span> — {e.detail}</span> : null}
      {e.errors.length ? (
        <ul>
          {e.errors.map((v, i) => (
            <li key={i}>
              <code>{v.path || '/'}</code> {v.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function Json({ value }: { value: unknown }) {
  return <pre className="json">{JSON.stringify(value, null, 2)}</pre>;
}

export interface Column<T> {
  title: string;
  render: (row: T) => ReactNode;
}

export function Table<T>({
  rows,
  columns,
  rowKey,
  onRowClick,
  testId,
  empty = 'Nothing here.',
}: {
  rows: T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
  onRowClick?: (row: T) => void;
  testId?: string;
  empty?: string;
}) {
  if (rows.length === 0)
    return (
      <p className="empty" data-testid={testId ? `${testId}-empty` : undefined}>
        {empty}
      </p>
    );
  return (
    <table data-testid={testId}>
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c.title}>{c.title}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={rowKey(r)} onClick={onRowClick ? () => onRowClick(r) : undefined} className={onRowClick ? 'clickable' : undefined}>
            {columns.map((c) => (
              <td key={c.title}>{c.render(r)}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * A list served a page at a time with cursors: the filters make the query, Next follows the
 * page's nextCursor, Previous goes back to the cursors already seen. Nothing is capped.
 */
export function usePagedList<T>(path: string, filters: Record<string, string | undefined>, limit = 25) {
  const key = `${path}?${JSON.stringify(filters)}`;
  // The cursors seen belong to one query: new filters start again from the first page.
  const [walk, setWalk] = useState<{ key: string; cursors: (string | null)[] }>({ key, cursors: [null] });
  const cursors = walk.key === key ? walk.cursors : [null];
  const [page, setPage] = useState<Page<T> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  const cursor = cursors[cursors.length - 1];
  const load = useCallback(async () => {
    setLoading(true);
    try {
      setPage(await api<Page<T>>(`${path}${query({ ...(JSON.parse(key.slice(path.length + 1)) as Record<string, string | undefined>), limit, cursor: cursor ?? undefined })}`));
      setError(null);
    } catch (e) {
      setError(e);
      setPage(null);
    } finally {
      setLoading(false);
    }
  }, [path, key, cursor, limit]);
  useEffect(() => {
    void load();
  }, [load]);
  return {
    page,
    error,
    loading,
    reload: load,
    pageNumber: cursors.length,
    next: () => page?.nextCursor && setWalk({ key, cursors: [...cursors, page.nextCursor] }),
    previous: () => setWalk({ key, cursors: cursors.length > 1 ? cursors.slice(0, -1) : cursors }),
  };
}

export function Pager({ list }: { list: ReturnType<typeof usePagedList<unknown>> }) {
  return (
    <div className="pager">
      <button onClick={list.previous} disabled={list.pageNumber <= 1}>
        ← Previous
      </button>
      <span data-testid="page-number">page {list.pageNumber}</span>
      <button onClick={list.next} disabled={!list.page?.nextCursor} data-testid="next-page">
        Next →
      </button>
      {list.loading ? <span className="muted">loading…</span> : null}
    </div>
  );
}

export function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <label className="field">
      <span>{label}</span>
      {children}
    </label>
  );
}

export function Select({ value, onChange, options, testId }: { value: string; onChange: (v: string) => void; options: (string | [string, string])[]; testId?: string }) {
  return (
    <select value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
      {options.map((o) => {
        const [v, l] = Array.isArray(o) ? o : [o, o || 'any'];
        return (
          <option key={v} value={v}>
            {l}
          </option>
        );
      })}
    </select>
  );
}

export const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString('fr-FR', { timeZone: 'UTC' }) + ' UTC' : '—');
