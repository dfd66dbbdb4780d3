import { EpisodeSummary, LeaveSource } from './episode';

/** Leaves of 30 days or more qualify for transmission to the SPSTI (décret 2022-372). */
export const QUALIFYING_DAYS = 30;

export type LegalBasis = 'legal-obligation-L4622-2-1' | 'consent' | 'employer-declaration';

export interface Eligibility {
  eligible: boolean;
  reason: string;
  legalBasis: LegalBasis;
}

/**
 * Whether an episode may be transmitted to the worker's SPSTI, by the rules of the sources that
 * reported it. The insurer's notification goes by the law; the employer's declaration is a basis
 * of its own, so a leave both reported still goes by the declaration when the insurer's rules do
 * not let it through (without consent in the transitional phase, say): one episode for the two
 * reports never delivers less than the two episodes would have.
 */
export function decideEligibility(e: Pick<EpisodeSummary, 'cumulatedDays' | 'pdpRisk' | 'consentGranted'>, sources: LeaveSource | readonly LeaveSource[], transitionalPhase: boolean): Eligibility {
  const reported = typeof sources === 'string' ? [sources] : sources;
  if (!reported.includes('assurance-maladie')) return byEmployer(e);
  const insurer = byInsurer(e, transitionalPhase);
  if (insurer.eligible || !reported.includes('employer')) return insurer;
  const employer = byEmployer(e);
  return employer.eligible ? employer : insurer;
}

function byEmployer(e: Pick<EpisodeSummary, 'cumulatedDays'>): Eligibility {
  return e.cumulatedDays >= QUALIFYING_DAYS
    ? { eligible: true, reason: `employer declaration of ${e.cumulatedDays} days`, legalBasis: 'employer-declaration' }
    : { eligible: false, reason: `employer declarations cover leaves of ${QUALIFYING_DAYS} days or more`, legalBasis: 'employer-declaration' };
}

/**
 * Transitional phase (until the 2027 platform): the insurer only sends leaves with a detected
 * risk AND the person's consent, so consent becomes the basis and is required.
 */
function byInsurer(e: Pick<EpisodeSummary, 'cumulatedDays' | 'pdpRisk' | 'consentGranted'>, transitionalPhase: boolean): Eligibility {
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
