import { EpisodeSummary } from './episode';

/** Leaves of 30 days or more qualify for transmission to the SPSTI (décret 2022-372). */
export const QUALIFYING_DAYS = 30;

export type LegalBasis = 'legal-obligation-L4622-2-1' | 'consent' | 'employer-declaration';

export interface Eligibility {
  eligible: boolean;
  reason: string;
  legalBasis: LegalBasis;
}

/**
 * Whether an episode may be transmitted to the worker's SPSTI.
 * Transitional phase (until the 2027 platform): the insurer only sends leaves with a detected
 * risk AND the person's consent, so consent becomes the basis and is required.
 */
export function decideEligibility(e: Pick<EpisodeSummary, 'cumulatedDays' | 'pdpRisk' | 'consentGranted'>, source: 'assurance-maladie' | 'employer', transitionalPhase: boolean): Eligibility {
  if (source === 'employer') {
    return e.cumulatedDays >= QUALIFYING_DAYS
      ? { eligible: true, reason: `employer declaration of ${e.cumulatedDays} days`, legalBasis: 'employer-declaration' }
      : { eligible: false, reason: `employer declarations cover leaves of ${QUALIFYING_DAYS} days or more`, legalBasis: 'employer-declaration' };
  }
  const qualifies = e.cumulatedDays >= QUALIFYING_DAYS || e.pdpRisk;
  const why = e.pdpRisk ? 'PDP risk detected' : `cumulated leave of ${e.cumulatedDays} days`;
  if (!qualifies) return { eligible: false, reason: `cumulated leave of ${e.cumulatedDays} days, under ${QUALIFYING_DAYS}, and no PDP risk`, legalBasis: 'legal-obligation-L4622-2-1' };
  if (transitionalPhase) {
    return e.consentGranted === true
      ? { eligible: true, reason: `${why}; consent recorded (transitional phase)`, legalBasis: 'consent' }
      : { eligible: false, reason: `${why} but no consent recorded (transitional phase requires it)`, legalBasis: 'consent' };
  }
  return { eligible: true, reason: why, legalBasis: 'legal-obligation-L4622-2-1' };
}
