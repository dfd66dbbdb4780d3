import { Sql } from '@pdp/db';

/** A partner's entry in the dictionary: its number and category. */
export interface MetricPartnerRow {
  partner_no: number;
  partner_id: string;
  category: string;
}

/** The metric_partners table: the partners the outcome metrics number (partner_no, a sequence). */
export class MetricPartnerStore {
  constructor(private readonly db: Sql) {}

  /** Every numbered partner. */
  async all(): Promise<MetricPartnerRow[]> {
    const { rows } = await this.db.query<MetricPartnerRow>('SELECT partner_no, partner_id, category FROM metric_partners');
    return rows;
  }

  /** Numbers these partners (one entry each, taken in this order); one already numbered keeps its entry. */
  async add(partners: { id: string; category: string }[]): Promise<void> {
    await this.db.query(`INSERT INTO metric_partners (partner_id, category) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (partner_id) DO NOTHING`, [
      partners.map((p) => p.id),
      partners.map((p) => p.category),
    ]);
  }
}
