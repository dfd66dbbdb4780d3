import { Sql } from '@pdp/db';

/** What forgetting a person removed from the sick-leave flow, and the partners whose topics carried her items. */
export interface SickLeaveErasure {
  episodes: number;
  messageTraces: number;
  parkedCases: number;
  inboxItems: number;
  partners: string[];
}

/**
 * Forgets a person's sick leaves, in the erasure's transaction: her episodes (and the other
 * source's ids they were known by), the traces of their messages, their parked cases and their inbox items. Nothing of them is left to deliver
 * or to trace.
 */
export async function eraseSickLeaves(tx: Sql, person: string): Promise<SickLeaveErasure> {
  const { rows } = await tx.query<{ episode_id: string }>('SELECT episode_id FROM episodes WHERE person_pseudonym = $1', [person]);
  const ids = rows.map((r) => r.episode_id);
  if (ids.length === 0) return { episodes: 0, messageTraces: 0, parkedCases: 0, inboxItems: 0, partners: [] };
  const messages = await tx.query('DELETE FROM leave_messages WHERE episode_id = ANY($1::text[])', [ids]);
  const parked = await tx.query('DELETE FROM parked_cases WHERE episode_id = ANY($1::text[])', [ids]);
  const items = await tx.query<{ partner_id: string }>('DELETE FROM inbox_items WHERE episode_id = ANY($1::text[]) RETURNING partner_id', [ids]);
  const episodes = await tx.query('DELETE FROM episodes WHERE person_pseudonym = $1', [person]);
  await tx.query('DELETE FROM episode_aliases WHERE person_pseudonym = $1', [person]);
  return {
    episodes: episodes.rowCount,
    messageTraces: messages.rowCount,
    parkedCases: parked.rowCount,
    inboxItems: items.rowCount,
    partners: [...new Set(items.rows.map((r) => r.partner_id))],
  };
}
