import { commonEnum, FollowUpPoint, Measure, OutcomeKind } from '@pdp/contracts';

/*
 * The outcome vocabulary of outcome-report/1, in the schema enums' order: the compact encodings
 * of the metrics use the index as a code, so values are appended to the schemas, never inserted.
 */
export const OUTCOMES: readonly OutcomeKind[] = commonEnum<OutcomeKind>('OutcomeKind');

/** The outcomes that are a maintien en emploi: the job is kept, at the same post or not, in the same firm or another one. */
export const MAINTIEN_OUTCOMES: readonly OutcomeKind[] = ['kept-at-post', 'post-adapted', 'redeployed-internal', 'redeployed-external'];
export function isMaintien(outcome: string): boolean {
  return (MAINTIEN_OUTCOMES as readonly string[]).includes(outcome);
}

/** Ordered: a later follow-up point has a higher code (and wins when reports disagree). */
export const FOLLOW_UP_POINTS: readonly FollowUpPoint[] = commonEnum<FollowUpPoint>('FollowUpPoint');

export const MEASURES: readonly Measure[] = commonEnum<Measure>('Measure');
