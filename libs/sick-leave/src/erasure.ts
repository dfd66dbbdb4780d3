import { REKEY_MAP, rekeyColumns, rekeyDocuments, Sql } from '@pdp/db';
import { Pseudonymizer } from '@pdp/domain';
import { EpisodeStore } from './episode.store';

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
 * source's ids they were known by), the traces of their messages, their parked cases and their
 * inbox items. Nothing of them is left to deliver or to trace.
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

/**
 * Re-keys the sick-leave flow to the new pseudonyms: episodes, their aliases, parked cases and
 * inbox items. An employer's declaration names its episode by the person's pseudonym, so each
 * declaration's new name becomes an alias of its episode: the same declaration sent again finds it.
 */
export async function rekeySickLeaves(tx: Sql, pseudonymizer: Pseudonymizer): Promise<number> {
  const { rows } = await tx.query<{ episode_id: string; person: string; siret: string; starts: string[] }>(
    `SELECT e.episode_id, m.new AS person, e.employer_siret AS siret, array_agg(n->>'s') AS starts
       FROM episodes e JOIN ${REKEY_MAP} m ON m.old = e.person_pseudonym
       CROSS JOIN LATERAL json_array_elements(e.notifications) n
      WHERE n->>'t' = 'employer-declaration'
      GROUP BY 1, 2, 3`,
  );
  const episodes = await rekeyColumns(tx, 'episodes', { person: 'person_pseudonym' });
  await rekeyColumns(tx, 'episode_aliases', { person: 'person_pseudonym' });
  await new EpisodeStore(tx).insertAliases(
    tx,
    rows
      .flatMap((r) => r.starts.map((s) => ({ aliasId: pseudonymizer.id('employer-episode', `${r.person}|${r.siret}|${s}`), episodeId: r.episode_id, person: r.person })))
      .filter((a) => a.aliasId !== a.episodeId),
  );
  await rekeyDocuments(tx, 'parked_cases', { column: 'case_event', type: 'jsonb' }, "t.case_event->>'personPseudonym'");
  await rekeyDocuments(tx, 'inbox_items', { column: 'payload', type: 'json' }, "t.payload->'caseEvent'->>'personPseudonym'");
  return episodes;
}
