import { CaseEvent } from '@pdp/contracts';
import { copyChunks, jsonArray, Sql } from '@pdp/db';
import { EpisodeNotification, EpisodeSummary, shortDigest, summarizeEpisode } from '@pdp/domain';

/** A notification as kept in its episode's row (short names: the history is rewritten with the row). */
export interface StoredNotification {
  /** Pseudonymised leave id: a notification counts once per episode. */
  k: string;
  /** Message id of the copy that counted. */
  m: string;
  t: EpisodeNotification['kind'];
  s: string;
  d: string;
  r: boolean;
  c?: boolean;
}

/** As the episode merge reads it: the stored key stands for the leave id. */
export function asEpisodeNotification(n: StoredNotification): EpisodeNotification {
  const e: EpisodeNotification = { leaveId: n.k, kind: n.t, startDate: n.s, expectedEndDate: n.d, pdpRisk: n.r };
  if (n.c !== undefined) e.consentGranted = n.c;
  return e;
}

/** An event's id: one per episode version, so a replayed version keeps its id. */
export function caseEventId(episodeId: string, version: number): string {
  return shortDigest(`${episodeId}:${version}`, 22);
}

/**
 * An episode row as read back: its case event is rebuilt from these columns and its history
 * (migration 010), the way the normalizer computed it.
 */
export interface EpisodeRow {
  episode_id: string;
  person_pseudonym: string;
  source: CaseEvent['source'];
  employer_siret: string;
  eligible: boolean;
  source_message_id: string | null;
  nature: CaseEvent['nature'] | null;
  issuing_cpam: string | null;
  worker_departement: string | null;
  eligibility_reason: string | null;
  legal_basis: CaseEvent['legalBasis'] | null;
  updated_at: Date | string;
  notifications: StoredNotification[];
}

/** The columns of an EpisodeRow, for `SELECT ${EPISODE_COLUMNS} FROM episodes e`. */
export const EPISODE_COLUMNS =
  'e.episode_id, e.person_pseudonym, e.source, e.employer_siret, e.eligible, e.source_message_id, e.nature, e.issuing_cpam, e.worker_departement, e.eligibility_reason, e.legal_basis, e.updated_at, e.notifications';

/** What a case event says beyond its history's summary. */
export interface CaseEventFields {
  episodeId: string;
  personPseudonym: string;
  source: CaseEvent['source'];
  sourceMessageId: string;
  issuingCpam?: string | null;
  employerSiret: string;
  workerDepartement?: string | null;
  nature: CaseEvent['nature'];
  eligible: boolean;
  eligibilityReason: string;
  legalBasis: CaseEvent['legalBasis'];
  normalizedAt: string;
}

/** A case event from its fields and its history's summary: the normalizer's and the stored rows' one shape. */
export function assembleCaseEvent(f: CaseEventFields, summary: EpisodeSummary): CaseEvent {
  return {
    schemaVersion: 'case-event/1',
    eventId: caseEventId(f.episodeId, summary.version),
    episodeId: f.episodeId,
    episodeVersion: summary.version,
    personPseudonym: f.personPseudonym,
    source: f.source,
    sourceMessageId: f.sourceMessageId,
    ...(f.issuingCpam ? { issuingCpam: f.issuingCpam } : {}),
    employerSiret: f.employerSiret,
    ...(f.workerDepartement ? { workerDepartement: f.workerDepartement } : {}),
    nature: f.nature,
    startDate: summary.startDate,
    expectedEndDate: summary.expectedEndDate,
    cumulatedDays: summary.cumulatedDays,
    prolongationCount: summary.prolongationCount,
    pdpRisk: summary.pdpRisk,
    ...(summary.consentGranted !== undefined ? { consentGranted: summary.consentGranted } : {}),
    eligible: f.eligible,
    eligibilityReason: f.eligibilityReason,
    legalBasis: f.legalBasis,
    normalizedAt: f.normalizedAt,
  };
}

/** The episode's latest case event, as the normalizer published it. */
export function caseEventOf(row: EpisodeRow): CaseEvent {
  const summary = summarizeEpisode(row.notifications.map(asEpisodeNotification));
  return assembleCaseEvent(
    {
      episodeId: row.episode_id,
      personPseudonym: row.person_pseudonym,
      source: row.source,
      sourceMessageId: row.source_message_id ?? row.notifications[row.notifications.length - 1].m,
      issuingCpam: row.issuing_cpam,
      employerSiret: row.employer_siret,
      workerDepartement: row.worker_departement,
      nature: row.nature ?? 'maladie',
      eligible: row.eligible,
      eligibilityReason: row.eligibility_reason ?? '',
      legalBasis: row.legal_basis ?? (row.source === 'employer' ? 'employer-declaration' : 'legal-obligation-L4622-2-1'),
      normalizedAt: new Date(row.updated_at).toISOString(),
    },
    summary,
  );
}

/** An episode to write: its new case event and its whole history. */
export interface EpisodeWrite {
  event: CaseEvent;
  history: StoredNotification[];
}

const COLUMNS =
  'episode_id, person_pseudonym, source, employer_siret, version, eligible, source_message_id, nature, issuing_cpam, worker_departement, start_date, eligibility_reason, legal_basis, updated_at, notifications';

/**
 * Writes episodes with their history: new ones inserted (with COPY where the database has it),
 * stored ones updated by a newer version. The event's fields go in as plain columns: only the
 * history is a JSON document.
 */
export async function writeEpisodes(tx: Sql, episodes: EpisodeWrite[], stored: boolean): Promise<void> {
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
         ? `ON CONFLICT (episode_id) DO UPDATE SET version = excluded.version, eligible = excluded.eligible, employer_siret = excluded.employer_siret,
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
