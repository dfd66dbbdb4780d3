import { Sql } from '@pdp/db';

/** Forgets a person's consent decisions, in the erasure's transaction; returns how many. */
export async function eraseConsents(tx: Sql, person: string): Promise<number> {
  return (await tx.query('DELETE FROM consent_records WHERE person_pseudonym = $1', [person])).rowCount;
}
