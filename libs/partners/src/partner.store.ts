import { Sql } from '@pdp/db';
import type { Partner, PartnerCategory } from './partners';
import type { PartnerEncryptionKey } from './encryption-key';

interface PartnerRow {
  partner_id: string;
  category: PartnerCategory;
  name: string;
  region: string | null;
  departements: string[];
  fhir_endpoint: string | null;
  siret: string | null;
  finess: string | null;
  certificate_sha256: string | null;
  encryption_jwk: PartnerEncryptionKey | null;
}

const SELECT_PARTNER = 'SELECT partner_id, category, name, region, departements, fhir_endpoint, siret, finess, certificate_sha256, encryption_jwk FROM partners';

function toPartner(r: PartnerRow): Partner {
  return {
    partnerId: r.partner_id,
    category: r.category,
    name: r.name,
    region: r.region,
    departements: r.departements,
    fhirEndpoint: r.fhir_endpoint,
    ...(r.siret ? { siret: r.siret } : {}),
    ...(r.finess ? { finess: r.finess } : {}),
    ...(r.certificate_sha256 ? { certificateSha256: r.certificate_sha256 } : {}),
    ...(r.encryption_jwk ? { encryptionKey: r.encryption_jwk } : {}),
  };
}

/** The partners table: who the hub exchanges with, their territory, FHIR endpoint and hashed API key. */
export class PartnerStore {
  constructor(private readonly db: Sql) {}

  /**
   * Registers a partner or updates its registration; a registration without a key keeps the
   * stored one.
   */
  async upsert(p: Partner, apiKeyHash: string | null): Promise<void> {
    await this.db.query(
      `INSERT INTO partners (partner_id, category, name, api_key_hash, region, departements, fhir_endpoint, certificate_sha256, encryption_jwk, siret, finess)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (partner_id) DO UPDATE SET category = excluded.category, name = excluded.name,
         api_key_hash = coalesce(excluded.api_key_hash, partners.api_key_hash), region = excluded.region,
         departements = excluded.departements, fhir_endpoint = excluded.fhir_endpoint,
         certificate_sha256 = coalesce(excluded.certificate_sha256, partners.certificate_sha256),
         encryption_jwk = coalesce(excluded.encryption_jwk, partners.encryption_jwk),
         siret = coalesce(excluded.siret, partners.siret), finess = coalesce(excluded.finess, partners.finess)`,
      [
        p.partnerId,
        p.category,
        p.name,
        apiKeyHash,
        p.region ?? null,
        p.departements,
        p.fhirEndpoint ?? null,
        p.certificateSha256 ?? null,
        p.encryptionKey ? JSON.stringify(p.encryptionKey) : null,
        p.siret ?? null,
        p.finess ?? null,
      ],
    );
  }

  /** The partner holding this API key hash. */
  async byApiKeyHash(apiKeyHash: string): Promise<Partner | null> {
    const { rows } = await this.db.query<PartnerRow>(`${SELECT_PARTNER} WHERE api_key_hash = $1`, [apiKeyHash]);
    return rows[0] ? toPartner(rows[0]) : null;
  }

  /** The partner whose client certificate has this SHA-256 fingerprint. */
  async byCertificate(sha256: string): Promise<Partner | null> {
    const { rows } = await this.db.query<PartnerRow>(`${SELECT_PARTNER} WHERE certificate_sha256 = $1`, [sha256]);
    return rows[0] ? toPartner(rows[0]) : null;
  }

  async byId(partnerId: string): Promise<Partner | null> {
    const { rows } = await this.db.query<PartnerRow>(`${SELECT_PARTNER} WHERE partner_id = $1`, [partnerId]);
    return rows[0] ? toPartner(rows[0]) : null;
  }

  /** Every partner, by id. */
  async all(): Promise<Partner[]> {
    const { rows } = await this.db.query<PartnerRow>(`${SELECT_PARTNER} ORDER BY partner_id`);
    return rows.map(toPartner);
  }

  /** Every registered partner's id, in no particular order. */
  async ids(): Promise<string[]> {
    const { rows } = await this.db.query<{ partner_id: string }>('SELECT partner_id FROM partners');
    return rows.map((r) => r.partner_id);
  }

  /** The ids of the registered SPSTI, those an adhesion may name. */
  async spstiIds(): Promise<string[]> {
    const { rows } = await this.db.query<{ partner_id: string }>("SELECT partner_id FROM partners WHERE category = 'spsti'");
    return rows.map((r) => r.partner_id);
  }
}
