/* Generated from contracts/schemas/case-event.v1.schema.json by scripts/gen-types.js. Do not edit. */

/**
 * Canonical, pseudonymised state of a sick-leave episode after normalisation, version 1. Carries no NIR/INS.
 */
export interface CaseEvent {
  schemaVersion: 'case-event/1';
  eventId: string;
  /**
   * Pseudonymous id of the sick-leave episode (initial leave and its prolongations).
   */
  episodeId: string;
  /**
   * Number of notifications merged into the episode; increases with each prolongation.
   */
  episodeVersion: number;
  /**
   * Keyed pseudonym of a person (HMAC-SHA-256 of the NIR, base64url).
   */
  personPseudonym: string;
  source: 'assurance-maladie' | 'employer';
  sourceMessageId: string;
  issuingCpam?: string;
  /**
   * SIRET of an establishment: 14 digits, Luhn-valid.
   */
  employerSiret: string;
  workerDepartement?: string;
  /**
   * maladie = ordinary illness; accident-du-travail = work accident; maladie-professionnelle = occupational disease.
   */
  nature: 'maladie' | 'accident-du-travail' | 'maladie-professionnelle';
  startDate: string;
  expectedEndDate: string;
  cumulatedDays: number;
  prolongationCount: number;
  pdpRisk: boolean;
  consentGranted?: boolean;
  eligible: boolean;
  eligibilityReason: string;
  /**
   * Why the hub may transmit this episode.
   */
  legalBasis: 'legal-obligation-L4622-2-1' | 'consent' | 'employer-declaration';
  normalizedAt: string;
}
