import { Sql } from '@pdp/db';

/** A registered partner as the outcome flow knows a reporter: its category and territory. */
export interface Reporter {
  partner_id: string;
  category: string;
  departements: string[];
}

/** The partners table, read for the partners that report outcomes. */
export class ReporterStore {
  constructor(private readonly db: Sql) {}

  /** The registered partners among these ids (each asked once; no query for none), by id. */
  async find(ids: string[]): Promise<Map<string, Reporter>> {
    if (ids.length === 0) return new Map();
    const { rows } = await this.db.query<Reporter>('SELECT partner_id, category, departements FROM partners WHERE partner_id = ANY($1::text[])', [[...new Set(ids)]]);
    return new Map(rows.map((r) => [r.partner_id, r]));
  }
}
