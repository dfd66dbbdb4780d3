import { createHash } from 'crypto';
import { ChefDeFile, ReferralContent, ReferralDelivery } from '@pdp/contracts';
import { NewConsentRecord } from '@pdp/consent';
import { Partner } from '@pdp/partners';
import { CanonicalSignalement } from './intake';

/** The routing decision for one recipient category of a subject (referral or report). */
export interface Decision {
  decisionId: string;
  subjectType: 'signalement' | 'accompaniment-report';
  subjectId: string;
  caseId: string;
  personPseudonym: string;
  category: string;
  partner?: Partner;
  status: 'delivered' | 'withheld';
  reasonCode: 'consent' | 'legal-obligation' | 'no-consent' | 'consent-refused' | 'consent-withdrawn' | 'no-recipient';
  reason: string;
  purpose?: 'orientation';
  legalBasis?: ReferralDelivery['legalBasis'];
  consentId?: string;
  ruleIds: string[];
  rulesVersion: string;
  irdpShared: boolean;
  /** What the partner receives (delivered decisions only). */
  delivery?: ReferralDelivery;
}

/**
 * The worker's consent as stated on the fiche: orientation to the categories named (the
 * intended recipient's by default), and IRDP sharing with them when stated.
 */
export function consentFromSignalement(r: CanonicalSignalement, intendedCategory: string): NewConsentRecord[] {
  const categories = r.consent.categories ?? [intendedCategory];
  const common = {
    personPseudonym: r.personPseudonym,
    effectiveAt: new Date(r.consent.collectedAt).toISOString(),
    source: `signalement:${r.referralId}`,
    collectedBy: r.consent.collectedBy ?? r.senderId,
    evidenceRef: r.consent.evidenceRef ?? `signalement ${r.senderId}/${r.signalementId}`,
  };
  const records: NewConsentRecord[] = categories.map((c) => ({ ...common, purpose: 'orientation', recipientCategory: c, status: r.consent.granted ? 'granted' : 'refused' }));
  if (r.consent.irdpSharing !== undefined) {
    // Refusing the orientation refuses sharing the IRDP along with it.
    const irdp = r.consent.granted && r.consent.irdpSharing ? 'granted' : 'refused';
    for (const c of categories) records.push({ ...common, purpose: 'irdp-sharing', recipientCategory: c, status: irdp });
  }
  return records;
}

/** What a recipient receives of a referral: never the NIR, and the IRDP only when allowed. */
export function referralContent(r: CanonicalSignalement, senderCategory: string | undefined, includeIrdp: boolean): ReferralContent {
  return {
    referralId: r.referralId,
    signalementId: r.signalementId,
    sender: { partnerId: r.senderId, ...(senderCategory ? { category: senderCategory as never } : {}), ...(r.professional ? { professional: r.professional } : {}) },
    ...(r.employer ? { employer: r.employer } : {}),
    ...(r.workerDepartement ? { workerDepartement: r.workerDepartement } : {}),
    date: r.date,
    reason: r.reason,
    ...(r.reasonDetail ? { reasonDetail: r.reasonDetail } : {}),
    ...(r.pyramide ? { pyramide: r.pyramide } : {}),
    ...(includeIrdp && r.irdp !== undefined ? { irdp: r.irdp } : {}),
    requestedMeasures: r.requestedMeasures,
    ...(r.rqth !== undefined ? { rqth: r.rqth } : {}),
    urgency: r.urgency,
    sentAt: r.sentAt,
  };
}

/** Same content → same key, so a consumer can tell a re-delivery from a changed item. */
export function idempotencyKey(deliveryId: string, content: unknown): string {
  return `${deliveryId}:${createHash('sha256').update(JSON.stringify(content)).digest('base64url').slice(0, 16)}`;
}

export interface CaseLead {
  partnerId: string | null;
  category: string;
  assignedBy: 'rule' | 'manual';
  ruleId: string | null;
  reason: string;
}

/**
 * Exactly one chef de file per case. A lead named by the rules follows the latest referral's
 * assessment (a T4 makes the service social lead, IGAS recommendation 2); a lead re-assigned
 * by hand stays until re-assigned by hand again.
 */
export function decideLead(current: CaseLead | null, proposed: CaseLead): { lead: CaseLead; change: 'assigned' | 'reassigned' | 'kept' } {
  if (!current) return { lead: proposed, change: 'assigned' };
  if (current.assignedBy === 'manual') return { lead: current, change: 'kept' };
  if (current.category === proposed.category && current.partnerId === proposed.partnerId) return { lead: current, change: 'kept' };
  return { lead: proposed, change: 'reassigned' };
}

export function chefDeFileOf(lead: CaseLead): ChefDeFile {
  return {
    ...(lead.partnerId ? { partnerId: lead.partnerId } : {}),
    category: lead.category as ChefDeFile['category'],
    assignedBy: lead.assignedBy,
    ...(lead.ruleId ? { ruleId: lead.ruleId } : {}),
    reason: lead.reason,
  };
}
