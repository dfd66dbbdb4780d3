import { asRecordset, copyChunks, jsonArray, Sql } from '@pdp/db';
import type { CaseEvent } from '@pdp/contracts';
import type { EpisodeWrite, StoredNotification } from './episode-rows';

/** The columns of an EpisodeRow, for `SELECT ${EPISODE_COLUMNS} FROM episodes e`. */
export const EPISODE_COLUMNS =
  'e.episode_id, e.person_pseudonym, e.source, e.employer_siret, e.eligible, e.source_message_id, e.nature, e.issuing_cpam, e.worker_departement, e.eligibility_reason, e.legal_basis, e.updated_at, e.notifications';

const COLUMNS =
  'episode_id, person_pseudonym, source, employer_siret, version, eligible, source_message_id, nature, issuing_cpam, worker_departement, start_date, eligibility_reason, legal_basis, updated_at, notifications';

/** One row of leave_messages: every accepted message, found by its id. */
export interface MessageRow {
  m: string;
  k: string;
  e: string;
  /** The message that counted, when this one is a re-sent copy. */
  x: string | null;
}

/** A leave whose notification is new to its episode: its message is the one that counted. */
export interface FreshLeave {
  stored: Pick<StoredNotification, 'k' | 'm'>;
  episodeId: string;
}

/** An episode a batch would create, as the same-leave match reads it. */
export interface NewEpisode {
  episodeId: string;
  person: string;
  siret: string;
  /** The source of its messages: it may join an episode of the other one. */
  source: CaseEvent['source'];
  startDate: string;
  endDate: string;
}

/** The stored episode a new one's messages go to: by its alias, or matched as the same leave. */
export interface SameLeave {
  episodeId: string;
  /** Found by an alias recorded earlier (no new alias to record). */
  aliased: boolean;
}

/** The insurer's descriptive fields of a stored episode, for the employer's declaration that joins it. */
export interface InsurerFields {
  issuingCpam: string | null;
  nature: CaseEvent['nature'] | null;
  workerDepartement: string | null;
}

/** How an accepted message ended up in its episode, for tracing it. */
export interface MessageEpisode {
  episodeId: string;
  eligible: boolean;
  reason: string;
  /** The message that counted, when this one is a re-sent copy. */
  duplicateOf: string | null;
}

/**
 * The episodes table (each sick-leave episode's latest state, with its notifications' history)
 * and leave_messages (every accepted message, duplicates included, by id). The normalizer's
 * statements run in its batch transaction, given as `tx`; each takes the whole batch.
 */
export class EpisodeStore {
  constructor(private readonly db: Sql) {}

  /**
   * Locks these episodes, and the episodes of these persons, until the transaction ends (advisory
   * locks on hashes, taken in order: two transactions locking overlapping sets cannot deadlock).
   * A person's lock covers the episodes her leaves may join, whatever their ids.
   */
  async lock(tx: Sql, episodeIds: string[], persons: string[]): Promise<void> {
    await tx.query('SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtext(e) AS h FROM unnest($1::text[]) e ORDER BY 1) l', [[...episodeIds, ...persons.map((p) => `leaves-of|${p}`)]]);
  }

  /**
   * The stored notifications of these episodes (an empty history for a new one), and which
   * episodes were found. `OFFSET 0` keeps each look-up a primary-key probe whatever the
   * statistics say: with `= ANY(array)` or a plain join, a young table's planner chose a
   * sequential scan, and a large one's a hash join over the whole table (a batch's cost then
   * grew with the table).
   */
  async loadHistories(tx: Sql, episodeIds: string[]): Promise<{ histories: Map<string, StoredNotification[]>; found: Map<string, string> }> {
    const { rows } = await tx.query<{ episode_id: string; notifications: StoredNotification[]; person_pseudonym: string }>(
      `SELECT q.id AS episode_id, e.notifications, e.person_pseudonym
       FROM unnest($1::text[]) AS q(id)
       CROSS JOIN LATERAL (SELECT notifications, person_pseudonym FROM episodes WHERE episode_id = q.id OFFSET 0) e`,
      [episodeIds],
    );
    const histories = new Map<string, StoredNotification[]>(episodeIds.map((id) => [id, []]));
    for (const r of rows) histories.set(r.episode_id, r.notifications);
    // The episodes found, with the person each is about.
    return { histories, found: new Map(rows.map((r) => [r.episode_id, r.person_pseudonym])) };
  }

  /**
   * Where the messages of episodes not found go instead: the episode their id is an alias of, or
   * else a stored episode of the other source about the same leave (same person and establishment,
   * overlapping dates; the earliest if several). An insurer's leave joins only an episode the
   * employer alone reported: two leaves of the insurer are two episodes. Called under the locks
   * of the persons concerned, which every batch writing their episodes holds.
   */
  async sameLeave(tx: Sql, episodes: readonly NewEpisode[]): Promise<Map<string, SameLeave>> {
    if (episodes.length === 0) return new Map();
    // First, in one statement of index scans: the aliases, and which persons have an episode the
    // employer alone reported. Most new leaves of the insurer have neither, and are not probed
    // one by one (a probe per new episode cost the normalizer ~3 µs of PostgreSQL per message).
    const insurerPersons = [...new Set(episodes.filter((e) => e.source === 'assurance-maladie').map((e) => e.person))];
    const { rows: known } = await tx.query<{ k: 'alias' | 'person'; id: string; target: string | null }>(
      `SELECT 'alias' AS k, alias_id AS id, episode_id AS target FROM episode_aliases WHERE alias_id = ANY($1::text[])
       UNION ALL
       SELECT DISTINCT 'person', person_pseudonym, NULL FROM episodes WHERE source = 'employer' AND person_pseudonym = ANY($2::text[])`,
      [episodes.map((e) => e.episodeId), insurerPersons],
    );
    const joined = new Map<string, SameLeave>();
    const withDeclarations = new Set<string>();
    for (const r of known) {
      if (r.k === 'alias') joined.set(r.id, { episodeId: r.target!, aliased: true });
      else withDeclarations.add(r.id);
    }
    const probes = episodes.filter((e) => !joined.has(e.episodeId) && (e.source === 'employer' || withDeclarations.has(e.person)));
    if (probes.length === 0) return joined;
    const { rows } = await tx.query<{ id: string; matched: string }>(
      `SELECT q.i AS id, m.episode_id AS matched
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::date[], $6::date[]) AS q(i, p, f, o, s, d)
         CROSS JOIN LATERAL (
           SELECT e.episode_id FROM episodes e
            WHERE e.person_pseudonym = q.p AND e.employer_siret = q.f
              AND e.source = CASE WHEN q.o = 'employer' THEN 'assurance-maladie' ELSE 'employer' END
              AND e.start_date <= q.d
              AND (SELECT max((n->>'d')::date) FROM json_array_elements(e.notifications) n) >= q.s
            ORDER BY e.start_date, e.episode_id
            LIMIT 1) m`,
      [probes.map((e) => e.episodeId), probes.map((e) => e.person), probes.map((e) => e.siret), probes.map((e) => e.source), probes.map((e) => e.startDate), probes.map((e) => e.endDate)],
    );
    for (const r of rows) joined.set(r.id, { episodeId: r.matched, aliased: false });
    return joined;
  }

  /** Records that these episode ids stand for the episodes their leave joined. */
  async insertAliases(tx: Sql, aliases: readonly { aliasId: string; episodeId: string; person: string }[]): Promise<void> {
    if (aliases.length === 0) return;
    await tx.query(
      `INSERT INTO episode_aliases (alias_id, episode_id, person_pseudonym)
       SELECT a, e, p FROM jsonb_to_recordset($1::jsonb) AS r(a text, e text, p text) ON CONFLICT DO NOTHING`,
      [asRecordset(aliases.map((a) => ({ a: a.aliasId, e: a.episodeId, p: a.person })))],
    );
  }

  /** The insurer's fields of these stored episodes. */
  async insurerFields(tx: Sql, episodeIds: readonly string[]): Promise<Map<string, InsurerFields>> {
    if (episodeIds.length === 0) return new Map();
    const { rows } = await tx.query<{ episode_id: string; issuing_cpam: string | null; nature: CaseEvent['nature'] | null; worker_departement: string | null }>(
      'SELECT episode_id, issuing_cpam, nature, worker_departement FROM episodes WHERE episode_id = ANY($1::text[])',
      [episodeIds],
    );
    return new Map(rows.map((r) => [r.episode_id, { issuingCpam: r.issuing_cpam, nature: r.nature, workerDepartement: r.worker_departement }]));
  }

  /**
   * The message rows of notifications new to their episodes. Rows known to be new go in with COPY
   * where the database has it (PostgreSQL's server), written from the fresh leaves themselves: no row
   * object per message held across the COPY's writes. `probe` for rows that may exist already.
   */
  async insertFresh(tx: Sql, fresh: readonly FreshLeave[], probe: boolean): Promise<void> {
    if (fresh.length === 0) return;
    if (!probe && tx.copyIn) {
      await tx.copyIn(
        'COPY leave_messages (message_id, notification_key, episode_id, duplicate_of) FROM STDIN',
        copyChunks(fresh, (a) => [a.stored.m, a.stored.k, a.episodeId, null]),
      );
      return;
    }
    await this.insertMessages(
      tx,
      fresh.map((a) => ({ m: a.stored.m, k: a.stored.k, e: a.episodeId, x: null })),
      probe,
    );
  }

  /** The message rows of re-sent copies, naming the message that counted; a copy seen before is kept once. */
  insertCopies(tx: Sql, rows: MessageRow[]): Promise<void> {
    return this.insertMessages(tx, rows, true);
  }

  /**
   * Episodes the database does not have, with their history (with COPY where the database has
   * it). The event's fields go in as plain columns: only the history is a JSON document.
   */
  insertNew(tx: Sql, episodes: EpisodeWrite[]): Promise<void> {
    return this.write(tx, episodes, false);
  }

  /** Stored episodes rewritten by a newer (or the same, replayed) version; an older one changes nothing. */
  updateStored(tx: Sql, episodes: EpisodeWrite[]): Promise<void> {
    return this.write(tx, episodes, true);
  }

  /** The episode of a message, the message that counted first when it is a re-sent copy. */
  async ofMessage(messageId: string): Promise<MessageEpisode | undefined> {
    const { rows } = await this.db.query<{ episode_id: string; eligible: boolean; reason: string; duplicate_of: string | null }>(
      `SELECT e.episode_id, e.eligible, e.eligibility_reason AS reason, m.duplicate_of
         FROM leave_messages m JOIN episodes e ON e.episode_id = m.episode_id
        WHERE m.message_id = $1
        ORDER BY m.duplicate_of NULLS FIRST
        LIMIT 1`,
      [messageId],
    );
    const e = rows[0];
    return e && { episodeId: e.episode_id, eligible: e.eligible, reason: e.reason, duplicateOf: e.duplicate_of };
  }

  /**
   * Message rows through one JSON parameter (re-sent copies, and every row where the database has
   * no COPY); `probe` for rows that may exist already (ON CONFLICT probes the index first).
   */
  private async insertMessages(tx: Sql, rows: MessageRow[], probe: boolean): Promise<void> {
    if (rows.length === 0) return;
    await tx.query(
      `INSERT INTO leave_messages (message_id, notification_key, episode_id, duplicate_of)
     SELECT m, k, e, x FROM jsonb_to_recordset($1::jsonb) AS r(m text, k text, e text, x text)
     ${probe ? 'ON CONFLICT DO NOTHING' : ''}`,
      [asRecordset(rows)],
    );
  }

  private async write(tx: Sql, episodes: EpisodeWrite[], stored: boolean): Promise<void> {
    if (episodes.length === 0) return;
    if (!stored && tx.copyIn) {
      // The history is serialised as its row streams: a batch's documents, made up front, lived
      // across its statements and every young-generation collection meanwhile copied them.
      await tx.copyIn(
        `COPY episodes (${COLUMNS}) FROM STDIN`,
        copyChunks(episodes, ({ event: e, history }) => [
          e.episodeId,
          e.personPseudonym,
          e.source,
          e.employerSiret,
          e.episodeVersion,
          e.eligible,
          e.sourceMessageId,
          e.nature,
          e.issuingCpam,
          e.workerDepartement,
          e.startDate,
          e.eligibilityReason,
          e.legalBasis,
          e.normalizedAt,
          JSON.stringify(history),
        ]),
      );
      return;
    }
    await tx.query(
      `INSERT INTO episodes (${COLUMNS})
     SELECT i, p, s, f, v, g, m, n, c, d, b, r, l, t, h
       FROM json_to_recordset($1::json) AS x(i text, p text, s text, f text, v int, g boolean, m text, n text, c text, d text, b date, r text, l text, t timestamptz, h json)
     ${
       stored
         ? `ON CONFLICT (episode_id) DO UPDATE SET version = excluded.version, source = excluded.source, eligible = excluded.eligible, employer_siret = excluded.employer_siret,
       source_message_id = excluded.source_message_id, nature = excluded.nature, issuing_cpam = excluded.issuing_cpam,
       worker_departement = excluded.worker_departement, start_date = excluded.start_date, eligibility_reason = excluded.eligibility_reason,
       legal_basis = excluded.legal_basis, updated_at = excluded.updated_at, notifications = excluded.notifications
     WHERE episodes.version <= excluded.version`
         : ''
     }`,
      [
        jsonArray(
          episodes.map(({ event: e, history }) =>
            JSON.stringify({
              i: e.episodeId,
              p: e.personPseudonym,
              s: e.source,
              f: e.employerSiret,
              v: e.episodeVersion,
              g: e.eligible,
              m: e.sourceMessageId,
              n: e.nature,
              c: e.issuingCpam ?? null,
              d: e.workerDepartement ?? null,
              b: e.startDate,
              r: e.eligibilityReason,
              l: e.legalBasis,
              t: e.normalizedAt,
              h: history,
            }),
          ),
        ),
      ],
    );
  }
}
