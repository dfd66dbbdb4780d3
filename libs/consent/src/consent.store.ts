import { Sql } from '@pdp/db';
import { ConsentPurpose, ConsentRecord, ConsentStatus } from './decision';
import type { NewConsentRecord } from './registry';

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

/** The consent_records table: append-only, one record per decision (a withdrawal is a new record). */
export class ConsentStore {
  constructor(private readonly db: Sql) {}

  /** Appends records under these ids, in one multi-row insert; returns them as stored. */
  async insert(ids: readonly string[], records: readonly NewConsentRecord[], sql: Sql = this.db): Promise<ConsentRecord[]> {
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

  /** A person's records in the order they took effect. */
  async ofPerson(personPseudonym: string, sql: Sql = this.db): Promise<ConsentRecord[]> {
    const { rows } = await sql.query<Row>('SELECT * FROM consent_records WHERE person_pseudonym = $1 ORDER BY effective_at, recorded_at', [personPseudonym]);
    return rows.map(toRecord);
  }

  /** Which of these FHIR Consent ids (with version) are already recorded. */
  async fhirIdsAmong(ids: string[]): Promise<string[]> {
    const { rows } = await this.db.query<{ fhir_consent_id: string }>('SELECT DISTINCT fhir_consent_id FROM consent_records WHERE fhir_consent_id = ANY($1::text[])', [ids]);
    return rows.map((r) => r.fhir_consent_id);
  }

  /**
   * Each person's latest record in force at `at` for a purpose and recipient category (the
   * last effective, then the last recorded); a person without one has no row.
   */
  async latestInForce(
    personPseudonyms: string[],
    purpose: string,
    recipientCategory: string,
    at: string,
    sql: Sql = this.db,
  ): Promise<{ person_pseudonym: string; status: string; consent_id: string }[]> {
    const { rows } = await sql.query<{ person_pseudonym: string; status: string; consent_id: string }>(
      `SELECT DISTINCT ON (person_pseudonym) person_pseudonym, status, consent_id
       FROM consent_records
      WHERE person_pseudonym = ANY($1::text[]) AND purpose = $2 AND recipient_category = $3 AND effective_at <= $4
      ORDER BY person_pseudonym, effective_at DESC, recorded_at DESC, consent_id DESC`,
      [personPseudonyms, purpose, recipientCategory, at],
    );
    return rows;
  }
}
