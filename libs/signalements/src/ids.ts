import { shortDigest } from '@pdp/domain';

const h = (s: string, n = 24) => shortDigest(s, n);

/** A referral is the sender's signalement: a re-sent one (same id) is the same referral. */
export function referralIdOf(senderId: string, signalementId: string): string {
  return `ref_${h(`${senderId}|${signalementId}`)}`;
}

export function reportKeyOf(senderId: string, reportId: string): string {
  return `rep_${h(`${senderId}|${reportId}`)}`;
}

/** One decision per subject and recipient category (delivered, withheld or pulled back). */
export function decisionIdOf(subjectId: string, category: string): string {
  return `dec_${h(`${subjectId}|${category}`)}`;
}
