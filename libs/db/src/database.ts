/** The SQL the hub needs from a database: PostgreSQL through `pg`, or PGlite when embedded. */
export interface Sql {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[]; rowCount: number }>;
  /**
   * COPY … TO STDOUT, as the raw chunks the server sends (bulk reads: rebuilds). Optional: only
   * the PostgreSQL server database has it; callers fall back to queries without it.
   */
  copyOut?(text: string): AsyncIterable<Buffer>;
  /** COPY … FROM STDIN fed with these chunks (bulk writes); returns the rows copied. Optional, as copyOut. */
  copyIn?(text: string, chunks: Iterable<string | Buffer> | AsyncIterable<string | Buffer>): Promise<number>;
}

export interface Database extends Sql {
  /** Runs fn in one transaction; rolls back when it throws. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
