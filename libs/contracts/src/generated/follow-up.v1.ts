/* Generated from contracts/schemas/follow-up.v1.schema.json by scripts/gen-types.js. Do not edit. */

import type { FollowUpPoint, IsoDate, IsoDateTime, PartnerId, Pseudonym } from './common.v1';

export type IsoDate1 = string;
/**
 * A follow-up of an ended accompaniment, 6 months after its end (IGAS recommendation 20), owed by the case's chef de file; published when it is scheduled, becomes due, becomes overdue and is done, version 1. Carries no NIR/INS.
 */
export interface FollowUp {
  schemaVersion: 'follow-up/1';
  eventId: string;
  /**
   * Stable id of the follow-up (pseudonymous).
   */
  followUpId: string;
  /**
   * scheduled: before the due date; due: from the due date during the grace period; overdue: after it; done: a report at the follow-up point arrived.
   */
  status: 'scheduled' | 'due' | 'overdue' | 'done';
  personPseudonym: Pseudonym;
  responsiblePartnerId: PartnerId;
  /**
   * Why this partner owes the follow-up: it is the case's chef de file, or no chef de file is known and it reported the end.
   */
  responsibleReason: 'chef-de-file' | 'reporting-partner';
  point: FollowUpPoint;
  baseDate: IsoDate;
  dueDate: IsoDate1;
  doneDate?: IsoDate1;
  emittedAt: IsoDateTime;
}
