/* Generated from contracts/schemas/referral-delivery.v1.schema.json by scripts/gen-types.js. Do not edit. */

import type { Employer } from './common.v1';

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
  partnerId: string;
  itemType: 'signalement' | 'accompaniment-report' | 'retraction';
  /**
   * Pseudonymous id of the person's PDP case (GET /v1/cases/{caseId}/timeline).
   */
  caseId: string;
  /**
   * Keyed pseudonym of a person (HMAC-SHA-256 of the NIR, base64url).
   */
  personPseudonym: string;
  legalBasis: 'consent' | 'legal-obligation-L4622-2-1';
  /**
   * Consent registry record the delivery rests on (legalBasis consent).
   */
  consentId?: string;
  chefDeFile?: {
    partnerId?: string;
    /**
     * Kind of PDP partner.
     */
    category:
      | 'spsti'
      | 'service-social-carsat'
      | 'service-medical'
      | 'cpam'
      | 'cap-emploi'
      | 'agefiph'
      | 'france-travail'
      | 'fastt'
      | 'mdph'
      | 'transition-pro'
      | 'msa';
    assignedBy: 'rule' | 'manual';
    ruleId?: string;
    reason: string;
  };
  referral?: {
    referralId: string;
    signalementId: string;
    sender: {
      partnerId: string;
      /**
       * Kind of PDP partner.
       */
      category?:
        | 'spsti'
        | 'service-social-carsat'
        | 'service-medical'
        | 'cpam'
        | 'cap-emploi'
        | 'agefiph'
        | 'france-travail'
        | 'fastt'
        | 'mdph'
        | 'transition-pro'
        | 'msa';
      professional?: string;
    };
    employer?: Employer;
    workerDepartement?: string;
    date: string;
    /**
     * Situation category of the fiche de signalement.
     */
    reason:
      | 'arret-long'
      | 'arrets-repetes'
      | 'maladie-chronique'
      | 'handicap-rqth'
      | 'inaptitude-envisagee'
      | 'licenciement-inaptitude'
      | 'usure-professionnelle'
      | 'difficulte-au-poste'
      | 'risques-psychosociaux'
      | 'autre';
    reasonDetail?: string;
    /**
     * Pyramide des fragilités (CNAM): T0-T5; T2 kept at the same post, T3a redeployed in the firm, T3b in another firm, T4 proven risk needing medico-social support.
     */
    pyramide?: 'T0' | 'T1' | 'T2' | 'T3a' | 'T3b' | 'T4' | 'T5';
    /**
     * Present only for categories allowed by the routing rules and with the worker's irdp-sharing consent.
     */
    irdp?: number;
    /**
     * Items: PDP measure (dispositif).
     */
    requestedMeasures: (
      | 'rendez-vous-liaison'
      | 'visite-pre-reprise'
      | 'visite-reprise'
      | 'visite-mi-carriere'
      | 'essai-encadre'
      | 'crpe'
      | 'temps-partiel-therapeutique'
      | 'amenagement-poste'
      | 'fipu'
      | 'ptp-transition-pro'
      | 'bilan-competences'
      | 'cep'
      | 'aide-agefiph'
      | 'dossier-mdph-rqth'
      | 'formation-reconversion'
    )[];
    rqth?: boolean;
    urgency: 'normale' | 'prioritaire' | 'urgente';
    sentAt: string;
  };
  report?: {
    reportId: string;
    episodeId: string;
    sender: {
      partnerId: string;
    };
    issuingCpam?: string;
    leaveStartDate?: string;
    reportDate: string;
    /**
     * State of the SPSTI's accompaniment (cellule PDP) at reportDate.
     */
    accompaniment: 'pris-en-charge' | 'en-cours' | 'termine' | 'refus-salarie' | 'injoignable' | 'non-pris-en-charge';
    measures?: Measures;
    /**
     * Pyramide des fragilités (CNAM): T0-T5; T2 kept at the same post, T3a redeployed in the firm, T3b in another firm, T4 proven risk needing medico-social support.
     */
    pyramide?: 'T0' | 'T1' | 'T2' | 'T3a' | 'T3b' | 'T4' | 'T5';
    comment?: string;
  };
  retraction?: {
    deliveryId: string;
    reason: string;
  };
  ruleIds?: string[];
  rulesVersion: string;
  deliveredAt: string;
};
export type Measures = {
  /**
   * PDP measure (dispositif).
   */
  measure:
    | 'rendez-vous-liaison'
    | 'visite-pre-reprise'
    | 'visite-reprise'
    | 'visite-mi-carriere'
    | 'essai-encadre'
    | 'crpe'
    | 'temps-partiel-therapeutique'
    | 'amenagement-poste'
    | 'fipu'
    | 'ptp-transition-pro'
    | 'bilan-competences'
    | 'cep'
    | 'aide-agefiph'
    | 'dossier-mdph-rqth'
    | 'formation-reconversion';
  status: 'envisagee' | 'en-cours' | 'realisee' | 'abandonnee';
  date?: string;
}[];
