import { rekeyColumns, Sql } from '@pdp/db';

/** Forgets a person's consent decisions, in the erasure's transaction; returns how many. */
export async function eraseConsents(tx: Sql, person: string): Promise<number> {
  return (await tx.query('DELETE FROM consent_records WHERE person_pseudonym = $1', [person])).rowCount;
}

/** Re-keys the consents to the new pseudonyms (a rotation of the pseudonymisation key). */
export function rekeyConsents(tx: Sql): Promise<number> {
  return rekeyColumns(tx, 'consent_records', { person: 'person_pseudonym' });
}
