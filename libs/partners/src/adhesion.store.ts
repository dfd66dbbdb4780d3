import { Sql } from '@pdp/db';
import type { Adhesion } from './directory';

/** The adhesions table: which SPSTI an employer establishment adheres to, over which period. */
export class AdhesionStore {
  constructor(private readonly db: Sql) {}

  /** The SPSTI an establishment adheres to on a date: the adhesion in force that began last. */
  async spstiOn(siret: string, onDate: string, sql: Sql = this.db): Promise<string | null> {
    const { rows } = await sql.query<{ spsti_id: string }>(
      `SELECT spsti_id FROM adhesions WHERE siret = $1 AND valid_from <= $2 AND (valid_to IS NULL OR valid_to >= $2)
        ORDER BY valid_from DESC LIMIT 1`,
      [siret, onDate],
    );
    return rows[0]?.spsti_id ?? null;
  }

  /**
   * The same for many distinct (siret, date) pairs in one query, as rows (the date as
   * YYYY-MM-DD); a pair without an adhesion in force has none.
   */
  async spstiOnMany(pairs: readonly { siret: string; onDate: string }[], sql: Sql = this.db): Promise<{ siret: string; on_date: string; spsti_id: string }[]> {
    const { rows } = await sql.query<{ siret: string; on_date: string; spsti_id: string }>(
      `SELECT DISTINCT ON (x.siret, x.on_date) x.siret, to_char(x.on_date, 'YYYY-MM-DD') AS on_date, a.spsti_id
         FROM unnest($1::char(14)[], $2::date[]) AS x(siret, on_date)
         JOIN adhesions a ON a.siret = x.siret AND a.valid_from <= x.on_date AND (a.valid_to IS NULL OR a.valid_to >= x.on_date)
        ORDER BY x.siret, x.on_date, a.valid_from DESC`,
      [pairs.map((p) => p.siret), pairs.map((p) => p.onDate)],
    );
    return rows;
  }

  /** Writes adhesions; one already known (same establishment and start) is replaced. */
  async upsert(adhesions: readonly Adhesion[], source: string): Promise<void> {
    await this.db.query(
      `INSERT INTO adhesions (siret, spsti_id, valid_from, valid_to, source)
       SELECT * FROM unnest($1::char(14)[], $2::text[], $3::date[], $4::date[], $5::text[])
       ON CONFLICT (siret, valid_from) DO UPDATE SET spsti_id = excluded.spsti_id, valid_to = excluded.valid_to,
         source = excluded.source, imported_at = now()`,
      [adhesions.map((a) => a.siret), adhesions.map((a) => a.spstiId), adhesions.map((a) => a.validFrom), adhesions.map((a) => a.validTo ?? null), adhesions.map(() => source)],
    );
  }

  /** An establishment's adhesions, oldest first. */
  async ofEstablishment(siret: string): Promise<Adhesion[]> {
    const { rows } = await this.db.query<{ siret: string; spsti_id: string; valid_from: string; valid_to: string | null }>(
      `SELECT siret, spsti_id, to_char(valid_from, 'YYYY-MM-DD') AS valid_from, to_char(valid_to, 'YYYY-MM-DD') AS valid_to
         FROM adhesions WHERE siret = $1 ORDER BY valid_from`,
      [siret],
    );
    return rows.map((r) => ({ siret: r.siret, spstiId: r.spsti_id, validFrom: r.valid_from, validTo: r.valid_to }));
  }
}
