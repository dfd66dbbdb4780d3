/* Generated from contracts/schemas/referral-delivery.v1.schema.json by scripts/gen-types.js. Do not edit. */

import type { Departement, Employer, IsoDate, IsoDateTime, Measure, PartnerCategory, PartnerId, Pseudonym, PyramideLevel, SignalementReason, Urgency } from './common.v1';

/**
 * An item of the coordination flows delivered to a partner's inbox (the same Kafka topic pdp.inbox.<partnerId>.v1 and HTTP inbox as inbox-delivery/1; consumers dispatch on schemaVersion), version 1: a signalement, an accompaniment report returned to the insurer, or the retraction of an earlier item after a consent withdrawal. Pseudonymised; the IRDP only for recipients allowed to see it and with consent. Consumers deduplicate on idempotencyKey.
 */
export type ReferralDelivery = {
  schemaVersion: 'referral-delivery/1';
  /**
   * Id of the inbox item.
   */
  deliveryId: string;
  idempotencyKey: string;
  partnerId: PartnerId;
  itemType: 'signalement' | 'accompaniment-report' | 'retraction';
  /**
   * Pseudonymous id of the person's PDP case (GET /v1/cases/{caseId}/timeline).
   */
  caseId: string;
  personPseudonym: Pseudonym;
  legalBasis: 'consent' | 'legal-obligation-L4622-2-1';
  /**
   * Consent registry record the delivery rests on (legalBasis consent).
   */
  consentId?: string;
  chefDeFile?: {
    partnerId?: PartnerId;
    category: PartnerCategory;
    assignedBy: 'rule' | 'manual';
    ruleId?: string;
    reason: string;
  };
  referral?: {
    referralId: string;
    signalementId: string;
    sender: {
      partnerId: PartnerId;
      category?: PartnerCategory;
      professional?: string;
    };
    employer?: Employer;
    workerDepartement?: Departement;
    date: IsoDate;
    reason: SignalementReason;
    reasonDetail?: string;
    pyramide?: PyramideLevel;
    /**
     * Present only for categories allowed by the routing rules and with the worker's irdp-sharing consent.
     */
    irdp?: number;
    requestedMeasures: Measure[];
    rqth?: boolean;
    urgency: Urgency;
    sentAt: IsoDateTime;
  };
  report?: {
    reportId: string;
    episodeId: string;
    sender: {
      partnerId: PartnerId;
    };
    issuingCpam?: string;
    leaveStartDate?: IsoDate;
    reportDate: IsoDate;
    /**
     * State of the SPSTI's accompaniment (cellule PDP) at reportDate.
     */
    accompaniment: 'pris-en-charge' | 'en-cours' | 'termine' | 'refus-salarie' | 'injoignable' | 'non-pris-en-charge';
    measures?: Measures;
    pyramide?: PyramideLevel;
    comment?: string;
  };
  retraction?: {
    deliveryId: string;
    reason: string;
  };
  ruleIds?: string[];
  rulesVersion: string;
  deliveredAt: IsoDateTime;
  /**
   * On the partner's Kafka topic only, when the partner registered a public key (encryptionKey) and the item is one it is entitled to act on: the worker's identity (as GET /v1/inbox/{itemId} gives it in `worker`) as a compact JWE for that key alone (ECDH-ES+A256KW or RSA-OAEP-256, A256GCM, the key's kid in the header). Whoever operates Kafka cannot read it.
   */
  workerJwe?: string;
};
export type Measures = {
  measure: Measure;
  status: 'envisagee' | 'en-cours' | 'realisee' | 'abandonnee';
  date?: IsoDate;
}[];
