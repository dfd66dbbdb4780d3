import { PARTNER_CATEGORIES, PartnerCategory } from '@pdp/contracts';
import { createHash } from 'crypto';
import { Database } from '@pdp/db';

/** Who the hub exchanges with: the categories of the contracts (common.v1 PartnerCategory). */
export const PartnerCategories = PARTNER_CATEGORIES;
export type { PartnerCategory };

export interface Partner {
  partnerId: string;
  category: PartnerCategory;
  name: string;
  region?: string | null;
  departements: string[];
  fhirEndpoint?: string | null;
}

export interface PartnerRegistration extends Partner {
  /** Clear-text API key, stored hashed. */
  apiKey?: string;
}

export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex');
}

export class PartnerRegistry {
  constructor(private readonly db: Database) {}

  async register(p: PartnerRegistration): Promise<void> {
    await this.db.query(
      `INSERT INTO partners (partner_id, category, name, api_key_hash, region, departements, fhir_endpoint)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (partner_id) DO UPDATE SET category = excluded.category, name = excluded.name,
         api_key_hash = coalesce(excluded.api_key_hash, partners.api_key_hash), region = excluded.region,
         departements = excluded.departements, fhir_endpoint = excluded.fhir_endpoint`,
      [p.partnerId, p.category, p.name, p.apiKey ? hashApiKey(p.apiKey) : null, p.region ?? null, p.departements, p.fhirEndpoint ?? null],
    );
  }

  async authenticate(apiKey: string): Promise<Partner | null> {
    const { rows } = await this.db.query<PartnerRow>(`${SELECT_PARTNER} WHERE api_key_hash = $1`, [hashApiKey(apiKey)]);
    return rows[0] ? toPartner(rows[0]) : null;
  }

  async get(partnerId: string): Promise<Partner | null> {
    const { rows } = await this.db.query<PartnerRow>(`${SELECT_PARTNER} WHERE partner_id = $1`, [partnerId]);
    return rows[0] ? toPartner(rows[0]) : null;
  }

  async list(): Promise<Partner[]> {
    const { rows } = await this.db.query<PartnerRow>(`${SELECT_PARTNER} ORDER BY partner_id`);
    return rows.map(toPartner);
  }
}

interface PartnerRow {
  partner_id: string;
  category: PartnerCategory;
  name: string;
  region: string | null;
  departements: string[];
  fhir_endpoint: string | null;
}

const SELECT_PARTNER = 'SELECT partner_id, category, name, region, departements, fhir_endpoint FROM partners';

function toPartner(r: PartnerRow): Partner {
  return { partnerId: r.partner_id, category: r.category, name: r.name, region: r.region, departements: r.departements, fhirEndpoint: r.fhir_endpoint };
}
