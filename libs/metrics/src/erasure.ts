import { rekeyColumns, Sql } from '@pdp/db';

/**
 * Unlinks a person from the facts the harmonised metrics count, in the erasure's transaction:
 * her outcome log rows and orientations stay, under an unlinkable token instead of her
 * pseudonym, so every published figure (and a rebuild) stays the same while nothing leads back
 * to her.
 */
export async function unlinkFromMetrics(tx: Sql, person: string, token: string): Promise<{ outcomePersons: number; orientations: number }> {
  const persons = await tx.query('UPDATE metric_persons SET person_pseudonym = $2 WHERE person_pseudonym = $1', [person, token]);
  const orientations = await tx.query('UPDATE orientation_facts SET person_pseudonym = $2 WHERE person_pseudonym = $1', [person, token]);
  return { outcomePersons: persons.rowCount, orientations: orientations.rowCount };
}

/** Re-keys the facts the metrics count to the new pseudonyms: a person's outcomes stay deduplicated across a rotation. */
export async function rekeyMetrics(tx: Sql): Promise<number> {
  return (await rekeyColumns(tx, 'metric_persons', { person: 'person_pseudonym' })) + (await rekeyColumns(tx, 'orientation_facts', { person: 'person_pseudonym' }));
}
