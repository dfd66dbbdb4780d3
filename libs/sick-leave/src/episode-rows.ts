import { CaseEvent } from '@pdp/contracts';
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
 * An episode row as read back (`SELECT ${EPISODE_COLUMNS} FROM episodes e`, episode.store.ts): its
 * case event is rebuilt from these columns and its history (migration 010), the way the normalizer
 * computed it.
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
    sources: summary.sources,
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
