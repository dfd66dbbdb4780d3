import { PARTNER_CATEGORIES, PartnerCategory } from '@pdp/contracts';
import { createHash } from 'crypto';
import { Database } from '@pdp/db';
import { PartnerStore } from './partner.store';
import type { PartnerEncryptionKey } from './encryption-key';

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
  /** Its SIRET and FINESS, when known (FR Core Organization identifiers). */
  siret?: string | null;
  finess?: string | null;
  /** SHA-256 fingerprint (lowercase hex) of the client certificate it authenticates with, if any (mutual TLS). */
  certificateSha256?: string;
  /** Its public key (JWK): identities reach it on its Kafka topic encrypted for it alone. */
  encryptionKey?: PartnerEncryptionKey;
}

export interface PartnerRegistration extends Partner {
  /** Clear-text API key, stored hashed. */
  apiKey?: string;
}

export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex');
}

export class PartnerRegistry {
  private readonly partners: PartnerStore;

  constructor(db: Database) {
    this.partners = new PartnerStore(db);
  }

  async register(p: PartnerRegistration): Promise<void> {
    await this.partners.upsert(p, p.apiKey ? hashApiKey(p.apiKey) : null);
  }

  async authenticate(apiKey: string): Promise<Partner | null> {
    return this.partners.byApiKeyHash(hashApiKey(apiKey));
  }

  async byCertificate(sha256: string): Promise<Partner | null> {
    return this.partners.byCertificate(sha256);
  }

  async get(partnerId: string): Promise<Partner | null> {
    return this.partners.byId(partnerId);
  }

  async list(): Promise<Partner[]> {
    return this.partners.all();
  }
}
