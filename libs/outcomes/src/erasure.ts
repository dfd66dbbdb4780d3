import { rekeyColumns, Sql } from '@pdp/db';

/**
 * Unlinks a person's follow-ups (they stay counted, under the erasure's token, without their
 * episode) and forgets who was named to follow her up, in the erasure's transaction.
 */
export async function unlinkFollowUps(tx: Sql, person: string, token: string): Promise<{ followUps: number; followUpLeads: number }> {
  const followUps = await tx.query('UPDATE follow_ups SET person_pseudonym = $2, episode_id = NULL WHERE person_pseudonym = $1', [person, token]);
  const leads = await tx.query('DELETE FROM follow_up_chef_de_file WHERE person_pseudonym = $1', [person]);
  return { followUps: followUps.rowCount, followUpLeads: leads.rowCount };
}

/**
 * Re-keys the follow-ups and their leads to the new pseudonyms. A follow-up keeps its id (made
 * once, from the pseudonym of then): a case's next end is matched by person and date, not by id.
 */
export async function rekeyFollowUps(tx: Sql): Promise<number> {
  return (await rekeyColumns(tx, 'follow_ups', { person: 'person_pseudonym' })) + (await rekeyColumns(tx, 'follow_up_chef_de_file', { person: 'person_pseudonym' }));
}
