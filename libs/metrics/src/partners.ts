import { Sql } from '@pdp/db';
import { CATEGORIES } from './codes';
import { PartnerNames } from './accumulator';
import { PartnerLookup } from './dedup';
import { MetricPartnerStore } from './metric-partner.store';

/**
 * The metric_partners dictionary: partner id ↔ small number, with the category and the
 * alphabetical rank the deduplication uses as a tie-break (ranks are recomputed as partners are
 * added; only their relative order matters, and adding a partner does not change it).
 */
export class PartnerDictionary implements PartnerLookup, PartnerNames {
  private ids: string[] = [];
  private categories: string[] = [];
  private categoryCodes: number[] = [];
  private ranks: number[] = [];
  private readonly byId = new Map<string, number>();

  /**
   * Adds the stored partners to the dictionary. Never forgets one: batches run concurrently, and
   * one reading with an older snapshot must not drop a partner another has just added (it then
   * had no number: its outcomes counted under an unknown partner). Entries never change once
   * stored (partner_no is a sequence, the category is set on insert).
   */
  async load(db: Sql): Promise<this> {
    const rows = await new MetricPartnerStore(db).all();
    for (const r of rows) {
      this.ids[r.partner_no] = r.partner_id;
      this.categories[r.partner_no] = r.category;
      this.categoryCodes[r.partner_no] = Math.max(0, CATEGORIES.indexOf(r.category as (typeof CATEGORIES)[number]));
      this.byId.set(r.partner_id, r.partner_no);
    }
    const sorted = [...this.byId.keys()].sort();
    this.ranks = [];
    sorted.forEach((id, i) => (this.ranks[this.byId.get(id)!] = i));
    return this;
  }

  /**
   * Numbers for these partners, adding the unknown ones to the dictionary. Call it outside the
   * batch's transaction (each statement committed at once): a number taken in a transaction
   * that later rolls back would stay in the dictionary and name no stored partner.
   */
  async ensure(db: Sql, partners: { id: string; category: string }[]): Promise<Map<string, number>> {
    const missing = partners.filter((p) => !this.byId.has(p.id));
    if (missing.length > 0) {
      const unique = [...new Map(missing.map((p) => [p.id, p])).values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)); // same order in concurrent batches
      await new MetricPartnerStore(db).add(unique);
      await this.load(db);
    }
    return new Map(partners.map((p) => [p.id, this.byId.get(p.id)!]));
  }

  numberOf(id: string): number | undefined {
    return this.byId.get(id);
  }

  /** What the deduplication asks (rank, category), as arrays another thread can rebuild the lookup from (see lookupOf). */
  lookupTables(): PartnerTables {
    return { ranks: this.ranks, categoryCodes: this.categoryCodes };
  }

  rank(partnerNo: number): number {
    return this.ranks[partnerNo] ?? partnerNo;
  }

  category(partnerNo: number): number {
    return this.categoryCodes[partnerNo] ?? 0;
  }

  id(partnerNo: number): string {
    return this.ids[partnerNo] ?? `#${partnerNo}`;
  }

  categoryName(partnerNo: number): string {
    return this.categories[partnerNo] ?? 'unknown';
  }
}

export interface PartnerTables {
  ranks: number[];
  categoryCodes: number[];
}

/** The PartnerLookup of PartnerDictionary, from its tables. */
export function lookupOf(t: PartnerTables): PartnerLookup {
  return {
    rank: (p) => t.ranks[p] ?? p,
    category: (p) => t.categoryCodes[p] ?? 0,
  };
}
