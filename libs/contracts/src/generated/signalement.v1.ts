/* Generated from contracts/schemas/signalement.v1.schema.json by scripts/gen-types.js. Do not edit. */

import type { Employer, Worker } from './common.v1';

/**
 * Fiche de signalement unique: a referral (orientation) of a worker from one PDP partner to another (SPSTI, service social, Cap emploi, Fastt, France Travail…), version 1. The NIR/INS is replaced by a pseudonym on entry.
 */
export interface Signalement {
  schemaVersion: 'signalement/1';
  messageId: string;
  /**
   * Sender's id of the referral; a re-sent referral keeps it.
   */
  signalementId: string;
  sender: {
    partnerId: string;
    /**
     * Role of the referring professional (médecin du travail, IDEST, assistante sociale…).
     */
    professional?: string;
  };
  /**
   * Intended recipient: a partner, or a category resolved by the hub from the worker's territory.
   */
  recipient: {
    partnerId?: string;
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
  };
  worker: Worker;
  employer?: Employer;
  /**
   * Date of the referral decision.
   */
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
   * IRDP risk index 0-3 (sensitive health data: never forwarded to an employer-facing recipient).
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
  /**
   * The worker has (or applies for) a reconnaissance de la qualité de travailleur handicapé.
   */
  rqth?: boolean;
  urgency: 'normale' | 'prioritaire' | 'urgente';
  /**
   * The worker's agreement to this orientation ("si l'assuré en est d'accord").
   */
  consent: {
    granted: boolean;
    collectedAt: string;
    collectedBy?: string;
    evidenceRef?: string;
    /**
     * Recipient categories the worker agreed to be oriented to; defaults to the intended recipient's category. Recipients added by the routing rules need their own consent (here or in the consent registry).
     *
     * @minItems 1
     *
     * Items: Kind of PDP partner.
     */
    categories?: [
      (
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
        | 'msa'
      ),
      ...(
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
        | 'msa'
      )[]
    ];
    /**
     * The worker also agrees that the IRDP be shared with those recipients (only categories the routing rules allow ever receive it).
     */
    irdpSharing?: boolean;
  };
  sentAt: string;
}
