import { shortDigest } from './digest';

/**
 * A person's PDP case. Derived from the (already keyed) person pseudonym, so a sick leave and
 * the referrals about the same worker meet in one case, whoever sent them.
 */
export function caseIdOf(personPseudonym: string): string {
  return `case_${shortDigest(`case|${personPseudonym}`, 24)}`;
}
