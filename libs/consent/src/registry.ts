import { randomUUID } from 'crypto';
import { Database, Sql } from '@pdp/db';
import { ConsentRecord } from './decision';
import { ConsentStore } from './consent.store';

export type NewConsentRecord = Omit<ConsentRecord, 'consentId' | 'recordedAt'>;

/**
 * Consent registry per person pseudonym × purpose × recipient category. Append-only: a
 * withdrawal is a new record, so the history shows what was allowed when.
 */
export class ConsentRegistry {
  private readonly consents: ConsentStore;

  constructor(db: Database) {
    this.consents = new ConsentStore(db);
  }

  /** One multi-row insert. A FHIR Consent already imported (same id and version) is skipped. */
  async record(records: NewConsentRecord[], sql?: Sql): Promise<ConsentRecord[]> {
    if (records.length === 0) return [];
    const ids = records.map(() => `cst_${randomUUID()}`);
    return this.consents.insert(ids, records, sql);
  }

  async history(personPseudonym: string, sql?: Sql): Promise<ConsentRecord[]> {
    return this.consents.ofPerson(personPseudonym, sql);
  }

  /** FHIR Consent ids (with version) already imported, so a re-import changes nothing. */
  async knownFhirIds(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    return new Set(await this.consents.fhirIdsAmong(ids));
  }
}
