import { randomUUID } from 'crypto';
import { Database, Sql } from '@pdp/db';
import { ConsentPurpose, ConsentRecord, ConsentStatus } from './decision';

export type NewConsentRecord = Omit<ConsentRecord, 'consentId' | 'recordedAt'>;

interface Row {
  consent_id: string;
  person_pseudonym: string;
  purpose: ConsentPurpose;
  recipient_category: string;
  status: ConsentStatus;
  effective_at: Date | string;
  recorded_at: Date | string;
  source: string;
  collected_by: string | null;
  evidence_ref: string | null;
  fhir_consent_id: string | null;
}

const iso = (d: Date | string) => new Date(d).toISOString();

function toRecord(r: Row): ConsentRecord {
  return {
    consentId: r.consent_id,
    personPseudonym: r.person_pseudonym,
    purpose: r.purpose,
    recipientCategory: r.recipient_category,
    status: r.status,
    effectiveAt: iso(r.effective_at),
    recordedAt: iso(r.recorded_at),
    source: r.source,
    collectedBy: r.collected_by,
    evidenceRef: r.evidence_ref,
    fhirConsentId: r.fhir_consent_id,
  };
}

/**
 * Consent registry per person pseudonym × purpose × recipient category. Append-only: a
 * withdrawal is a new record, so the history shows what was allowed when.
 */
export class ConsentRegistry {
  constructor(private readonly db: Database) {}

  /** One multi-row insert. A FHIR Consent already imported (same id and version) is skipped. */
  async record(records: NewConsentRecord[], sql: Sql = this.db): Promise<ConsentRecord[]> {
    if (records.length === 0) return [];
    const ids = records.map(() => `cst_${randomUUID()}`);
    const { rows } = await sql.query<Row>(
      `INSERT INTO consent_records (consent_id, person_pseudonym, purpose, recipient_category, status, effective_at, source, collected_by, evidence_ref, fhir_consent_id)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::text[], $8::text[], $9::text[], $10::text[])
       RETURNING *`,
      [
        ids,
        records.map((r) => r.personPseudonym),
        records.map((r) => r.purpose),
        records.map((r) => r.recipientCategory),
        records.map((r) => r.status),
        records.map((r) => r.effectiveAt),
        records.map((r) => r.source),
        records.map((r) => r.collectedBy ?? null),
        records.map((r) => r.evidenceRef ?? null),
        records.map((r) => r.fhirConsentId ?? null),
      ],
    );
    return rows.map(toRecord);
  }

  async history(personPseudonym: string, sql: Sql = this.db): Promise<ConsentRecord[]> {
    const { rows } = await sql.query<Row>('SELECT * FROM consent_records WHERE person_pseudonym = $1 ORDER BY effective_at, recorded_at', [personPseudonym]);
    return rows.map(toRecord);
  }

  /** FHIR Consent ids (with version) already imported, so a re-import changes nothing. */
  async knownFhirIds(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const { rows } = await this.db.query<{ fhir_consent_id: string }>('SELECT DISTINCT fhir_consent_id FROM consent_records WHERE fhir_consent_id = ANY($1::text[])', [ids]);
    return new Set(rows.map((r) => r.fhir_consent_id));
  }
}
