/* Generated from contracts/schemas/outcome-report.v1.schema.json by scripts/gen-types.js. Do not edit. */

import type { Employer, Worker } from './common.v1';

/**
 * A partner's report of the outcome of an accompaniment (at its end, or at a follow-up point 3, 6 or 12 months later), version 1. The NIR/INS is replaced by a pseudonym on entry; what is kept feeds the deduplicated metrics and the follow-up schedule.
 */
export interface OutcomeReport {
  schemaVersion: 'outcome-report/1';
  /**
   * Sender's unique id of this message.
   */
  messageId: string;
  /**
   * Reporter's id of this report: a re-sent or corrected report keeps it (the latest version replaces the earlier one).
   */
  reportId: string;
  reporter: {
    partnerId: string;
  };
  worker: Worker;
  employer?: Employer;
  /**
   * The reporter's accompaniment window this report closes or follows up. Reports of different partners for the same person whose windows overlap or are close are the same case (deduplication).
   */
  accompaniment: {
    startDate: string;
    /**
     * End of the accompaniment; absent while it goes on (then the outcome date stands for it).
     */
    endDate?: string;
    /**
     * The hub's pseudonymous sick-leave episode id, when the case reached the reporter through its inbox.
     */
    episodeId?: string;
    /**
     * The referral that started the accompaniment, when there was one.
     */
    signalementId?: string;
  };
  /**
   * When the situation was observed: at the end of the accompaniment, or 3, 6 or 12 months after it (IGAS recommendation 20: 6 months).
   */
  followUpPoint: 'end' | '3m' | '6m' | '12m';
  /**
   * Situation of the worker reported by a partner. kept-at-post, post-adapted, redeployed-internal and redeployed-external are the maintiens en emploi (job kept, in the same firm or another one).
   */
  outcome:
    | 'kept-at-post'
    | 'post-adapted'
    | 'redeployed-internal'
    | 'redeployed-external'
    | 'training-retraining'
    | 'unfit-dismissed'
    | 'invalidity'
    | 'retirement'
    | 'lost-to-follow-up';
  /**
   * Date the situation was observed.
   */
  outcomeDate: string;
  /**
   * Measures mobilised during the accompaniment.
   *
   * Items: PDP measure (dispositif).
   */
  measures: (
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
   * Who requested the visite de pré-reprise, when one is among the measures.
   */
  preRepriseRequester?: 'worker' | 'medecin-traitant' | 'medecin-conseil' | 'medecin-du-travail';
  /**
   * Pyramide des fragilités (CNAM): T0-T5; T2 kept at the same post, T3a redeployed in the firm, T3b in another firm, T4 proven risk needing medico-social support.
   */
  pyramide?: 'T0' | 'T1' | 'T2' | 'T3a' | 'T3b' | 'T4' | 'T5';
  reportedAt: string;
}
