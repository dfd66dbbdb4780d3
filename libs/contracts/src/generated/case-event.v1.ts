/* Generated from contracts/schemas/case-event.v1.schema.json by scripts/gen-types.js. Do not edit. */

import type { Departement, IsoDate, IsoDateTime, LeaveNature, Pseudonym, Siret } from './common.v1';

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
  personPseudonym: Pseudonym;
  source: 'assurance-maladie' | 'employer';
  /**
   * Every source that reported this leave, the insurer first. The employer's declaration and the insurer's notification of the same leave (same worker, establishment and overlapping dates) make one episode, which keeps the id of the first to arrive; `source` is then the insurer.
   *
   * @minItems 1
   */
  sources?: ['assurance-maladie' | 'employer', ...('assurance-maladie' | 'employer')[]];
  sourceMessageId: string;
  issuingCpam?: string;
  employerSiret: Siret;
  workerDepartement?: Departement;
  nature: LeaveNature;
  startDate: IsoDate;
  expectedEndDate: IsoDate;
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
  normalizedAt: IsoDateTime;
}
