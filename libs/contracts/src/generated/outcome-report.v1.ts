/* Generated from contracts/schemas/outcome-report.v1.schema.json by scripts/gen-types.js. Do not edit. */

import type { Employer, FollowUpPoint, IsoDate, IsoDateTime, Measure, OutcomeKind, PartnerId, PreRepriseRequester, PyramideLevel, Worker } from './common.v1';
import type { IsoDate1 } from './follow-up.v1';

/**
 * Date the situation was observed.
 */
export type IsoDate2 = string;
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
    partnerId: PartnerId;
  };
  worker: Worker;
  employer?: Employer;
  /**
   * The reporter's accompaniment window this report closes or follows up. Reports of different partners for the same person whose windows overlap or are close are the same case (deduplication).
   */
  accompaniment: {
    startDate: IsoDate;
    endDate?: IsoDate1;
    /**
     * The hub's pseudonymous sick-leave episode id, when the case reached the reporter through its inbox.
     */
    episodeId?: string;
    /**
     * The referral that started the accompaniment, when there was one.
     */
    signalementId?: string;
  };
  followUpPoint: FollowUpPoint;
  outcome: OutcomeKind;
  outcomeDate: IsoDate2;
  /**
   * Measures mobilised during the accompaniment.
   */
  measures: Measure[];
  preRepriseRequester?: PreRepriseRequester;
  pyramide?: PyramideLevel;
  reportedAt: IsoDateTime;
}
