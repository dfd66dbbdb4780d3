import { ConsentStatement } from '@pdp/contracts';

export type ConsentPurpose = ConsentStatement['purpose'];
export type ConsentStatus = ConsentStatement['status'];

/** One entry of the registry's history (append-only). */
export interface ConsentRecord {
  consentId: string;
  personPseudonym: string;
  purpose: ConsentPurpose;
  recipientCategory: string;
  status: ConsentStatus;
  effectiveAt: string;
  recordedAt: string;
  source: string;
  collectedBy?: string | null;
  evidenceRef?: string | null;
  fhirConsentId?: string | null;
}

export type ConsentDecision =
  { allowed: true; code: 'granted'; consentId: string; reason: string } | { allowed: false; code: 'no-consent' | 'consent-refused' | 'consent-withdrawn'; consentId?: string; reason: string };

/**
 * The consent in force at `at` for one person, purpose and recipient category: the latest
 * record already effective (ties broken by recording order). No record means no consent.
 */
export function decideConsent(history: ConsentRecord[], purpose: ConsentPurpose, category: string, at: Date): ConsentDecision {
  const current = history
    .filter((r) => r.purpose === purpose && r.recipientCategory === category && Date.parse(r.effectiveAt) <= at.getTime())
    .sort((a, b) => Date.parse(a.effectiveAt) - Date.parse(b.effectiveAt) || Date.parse(a.recordedAt) - Date.parse(b.recordedAt) || a.consentId.localeCompare(b.consentId))
    .at(-1);
  if (!current) return { allowed: false, code: 'no-consent', reason: `no ${purpose} consent recorded for ${category}` };
  const since = `since ${current.effectiveAt} (${current.source})`;
  if (current.status === 'granted') return { allowed: true, code: 'granted', consentId: current.consentId, reason: `${purpose} consent for ${category} granted ${since}` };
  if (current.status === 'refused') return { allowed: false, code: 'consent-refused', consentId: current.consentId, reason: `${purpose} consent for ${category} refused ${since}` };
  return { allowed: false, code: 'consent-withdrawn', consentId: current.consentId, reason: `${purpose} consent for ${category} withdrawn ${since}` };
}
