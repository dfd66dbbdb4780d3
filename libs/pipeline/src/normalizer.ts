import {
  CaseEvent,
  ContractIds,
  ContractRegistry,
  EmployerLeaveDeclaration,
  SickLeaveNotification,
  Topics,
  Violation,
} from '../../contracts/src';
import { BusMessage, MessageBus } from '../../bus/src';
import { asRecordset, Database, Sql } from '../../db/src';
import { checkLeave, decideEligibility, EpisodeNotification, Pseudonymizer, shortDigest, summarizeEpisode } from '../../domain/src';
import { DeadLetterSink, parseJson, readMessageId, Rejection } from './dead-letters';

export interface NormalizerDeps {
  db: Database;
  bus: MessageBus;
  contracts: ContractRegistry;
  pseudonymizer: Pseudonymizer;
  deadLetters: DeadLetterSink;
  /** The next stage (libs/pipeline CaseRouter), called in-process: no Kafka hop between the two. */
  router: { route(events: CaseEvent[], tx: Sql): Promise<void> };
  transitionalPhase: boolean;
  clock?: () => Date;
}

/** An inbound leave after validation, reduced to what the hub keeps (no NIR, no names). */
interface AcceptedLeave {
  source: CaseEvent['source'];
  messageId: string;
  notificationKey: string;
  episodeId: string;
  personPseudonym: string;
  notification: EpisodeNotification;
  employerSiret: string;
  nature: CaseEvent['nature'];
  issuingCpam?: string;
  workerDepartement?: string;
}

/**
 * validate → check identifiers and dates → pseudonymise → merge into the episode → decide
 * eligibility → publish the canonical case event. Bad messages are dead-lettered.
 */
export class LeaveNormalizer {
  private readonly sickLeave;
  private readonly employerLeave;
  private readonly clock: () => Date;

  constructor(private readonly deps: NormalizerDeps) {
    this.sickLeave = deps.contracts.contract<SickLeaveNotification>(ContractIds.sickLeaveNotification);
    this.employerLeave = deps.contracts.contract<EmployerLeaveDeclaration>(ContractIds.employerLeaveDeclaration);
    this.clock = deps.clock ?? (() => new Date());
  }

  async handleBatch(messages: BusMessage[]): Promise<void> {
    const rejections: Rejection[] = [];
    const accepted: AcceptedLeave[] = [];
    const today = this.clock().toISOString().slice(0, 10);
    for (const m of messages) {
      const a = this.accept(m, today);
      if ('reason' in a) rejections.push(a);
      else accepted.push(a);
    }
    if (accepted.length) await this.mergeAndRoute(accepted);
    await this.deps.deadLetters.reject(rejections);
  }

  private accept(m: BusMessage, today: string): AcceptedLeave | Rejection {
    const reject = (reason: string, errors: Violation[], messageId?: string) => rejection(m, reason, errors, messageId);
    const parsed = parseJson(m.value);
    if (!parsed.ok) return reject('message is not JSON', [{ path: '/', message: parsed.error }]);
    const messageId = readMessageId(parsed.value);
    if (m.topic === Topics.sickLeaveInbound) {
      const r = this.sickLeave.validate(parsed.value);
      if (!r.ok) return reject('does not match sick-leave-notification/1', r.violations, messageId);
      const domain = checkLeave(r.value, today);
      if (domain.length) return reject('identifiers or dates are invalid', domain, messageId);
      return this.fromSickLeave(r.value);
    }
    if (m.topic === Topics.employerLeaveInbound) {
      const r = this.employerLeave.validate(parsed.value);
      if (!r.ok) return reject('does not match employer-leave-declaration/1', r.violations, messageId);
      const domain = checkLeave(r.value, today);
      if (domain.length) return reject('identifiers or dates are invalid', domain, messageId);
      return this.fromEmployer(r.value);
    }
    return reject(`no contract for topic ${m.topic}`, [], messageId);
  }

  private fromSickLeave(n: SickLeaveNotification): AcceptedLeave {
    const p = this.deps.pseudonymizer;
    const matricule = n.worker.nir ?? n.worker.ins!.value;
    return {
      source: 'assurance-maladie',
      messageId: n.messageId,
      notificationKey: p.id('leave', n.leaveId),
      episodeId: p.id('episode', n.initialLeaveId ?? n.leaveId),
      personPseudonym: p.person(matricule),
      notification: {
        leaveId: n.leaveId,
        kind: n.kind,
        startDate: n.startDate,
        expectedEndDate: n.expectedEndDate,
        pdpRisk: n.pdpRisk,
        consentGranted: n.consent?.granted,
      },
      employerSiret: n.employer.siret,
      nature: n.nature,
      issuingCpam: n.issuingCpam.code,
      workerDepartement: n.worker.departement,
    };
  }

  private fromEmployer(d: EmployerLeaveDeclaration): AcceptedLeave {
    const p = this.deps.pseudonymizer;
    const person = p.person(d.worker.nir ?? d.worker.ins!.value);
    return {
      source: 'employer',
      messageId: d.messageId,
      notificationKey: p.id('employer-declaration', d.messageId),
      // The employer has no leave id: one episode per person, establishment and start date.
      episodeId: p.id('employer-episode', `${person}|${d.employer.siret}|${d.startDate}`),
      personPseudonym: person,
      notification: { leaveId: d.messageId, kind: 'employer-declaration', startDate: d.startDate, expectedEndDate: d.expectedEndDate, pdpRisk: false },
      employerSiret: d.employer.siret,
      nature: d.nature ?? 'maladie',
      workerDepartement: d.worker.departement,
    };
  }

  /**
   * Records the batch's notifications (each once), recomputes their episodes and routes them,
   * in one transaction and a fixed number of statements whatever the batch size. Routing is
   * in-process: a Kafka hop per case would double the broker's and the apps' work (issue 5).
   * Replays give the same events, and routing them again changes nothing.
   */
  private mergeAndRoute(batch: AcceptedLeave[]): Promise<void> {
    return this.deps.db.transaction(async (tx) => {
      const episodeIds = [...new Set(batch.map((a) => a.episodeId))];
      // Serialise with other batches touching the same episodes (they may come from other
      // partitions); locks taken in a fixed order so two batches cannot deadlock.
      await tx.query('SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtext(e) AS h FROM unnest($1::text[]) e ORDER BY 1) l', [episodeIds]);
      const notifications = await insertAndLoadNotifications(tx, batch, episodeIds);
      // The last message of the batch for an episode gives its descriptive fields.
      const latest = new Map(batch.map((a) => [a.episodeId, a]));
      const now = this.clock().toISOString();
      // Serialised once, for the database and for Kafka.
      const events = episodeIds.map((id) => {
        const event = this.toEvent(latest.get(id)!, notifications.get(id)!, now);
        return { event, json: JSON.stringify(event) };
      });
      await tx.query(
        `INSERT INTO episodes (episode_id, person_pseudonym, source, employer_siret, version, eligible, case_event)
         SELECT "episodeId", "personPseudonym", source, "employerSiret", "episodeVersion", eligible, e
           FROM jsonb_array_elements($1::jsonb) AS j(e),
                jsonb_to_record(e) AS x("episodeId" text, "personPseudonym" text, source text, "employerSiret" text, "episodeVersion" int, eligible boolean)
         ON CONFLICT (episode_id) DO UPDATE SET version = excluded.version, eligible = excluded.eligible,
           case_event = excluded.case_event, employer_siret = excluded.employer_siret, updated_at = now()
         WHERE episodes.version <= excluded.version`,
        [`[${events.map((e) => e.json).join(',')}]`],
      );
      await this.deps.router.route(events.map((e) => e.event), tx);
    });
  }

  private toEvent(a: AcceptedLeave, notifications: EpisodeNotification[], now: string): CaseEvent {
    const summary = summarizeEpisode(notifications);
    const eligibility = decideEligibility(summary, a.source, this.deps.transitionalPhase);
    return {
      schemaVersion: 'case-event/1',
      eventId: shortHash(`${a.episodeId}:${summary.version}`),
      episodeId: a.episodeId,
      episodeVersion: summary.version,
      personPseudonym: a.personPseudonym,
      source: a.source,
      sourceMessageId: a.messageId,
      ...(a.issuingCpam ? { issuingCpam: a.issuingCpam } : {}),
      employerSiret: a.employerSiret,
      ...(a.workerDepartement ? { workerDepartement: a.workerDepartement } : {}),
      nature: a.nature,
      startDate: summary.startDate,
      expectedEndDate: summary.expectedEndDate,
      cumulatedDays: summary.cumulatedDays,
      prolongationCount: summary.prolongationCount,
      pdpRisk: summary.pdpRisk,
      ...(summary.consentGranted !== undefined ? { consentGranted: summary.consentGranted } : {}),
      eligible: eligibility.eligible,
      eligibilityReason: eligibility.reason,
      legalBasis: eligibility.legalBasis,
      normalizedAt: now,
    };
  }
}

function rejection(m: BusMessage, reason: string, errors: Violation[], messageId?: string): Rejection {
  return { stage: 'normalizer', sourceTopic: m.topic, sourcePartition: m.partition, sourceOffset: m.offset, messageId, reason, errors, original: m.value };
}

/**
 * Records the notifications (once each) and returns every notification of their episodes, in
 * one statement. The rows just inserted come back as keys only (their content is in memory);
 * the episodes' earlier notifications come back in full. The lookup probes the episode index
 * once per episode whatever the table's statistics say: `OFFSET 0` keeps the lateral subquery
 * from being pulled up into a plain join, which the planner turned into a hash join over a
 * sequential scan of the whole log once the table was large (a batch's cost grew with the
 * table: 0.6 s per batch at 1 M notifications); with `= ANY(array)` a young table's planner
 * chose a sequential scan too.
 */
async function insertAndLoadNotifications(tx: Sql, batch: AcceptedLeave[], episodeIds: string[]): Promise<Map<string, EpisodeNotification[]>> {
  // A notification sent twice in one batch: the first one counts, as across batches.
  const unique = new Map<string, AcceptedLeave>();
  for (const a of batch) if (!unique.has(a.notificationKey)) unique.set(a.notificationKey, a);
  const rows = [...unique.values()].map((a) => ({
    k: a.notificationKey,
    e: a.episodeId,
    m: a.messageId,
    t: a.notification.kind,
    s: a.notification.startDate,
    d: a.notification.expectedEndDate,
    r: a.notification.pdpRisk,
    c: a.notification.consentGranted ?? null,
  }));
  const { rows: found } = await tx.query<{ notification_key: string; episode_id: string | null; kind: EpisodeNotification['kind']; start_date: string; expected_end_date: string; pdp_risk: boolean; consent_granted: boolean | null }>(
    `WITH inserted AS (
       INSERT INTO leave_notifications (notification_key, episode_id, source_message_id, kind, start_date, expected_end_date, pdp_risk, consent_granted)
       SELECT k, e, m, t, s, d, r, c FROM jsonb_to_recordset($1::jsonb) AS x(k text, e text, m text, t text, s date, d date, r boolean, c boolean)
       ON CONFLICT (notification_key) DO NOTHING
       RETURNING notification_key)
     SELECT notification_key, NULL AS episode_id, NULL AS kind, NULL AS start_date, NULL AS expected_end_date, NULL::boolean AS pdp_risk, NULL::boolean AS consent_granted
       FROM inserted
     UNION ALL
     SELECT n.notification_key, n.episode_id, n.kind, to_char(n.start_date, 'YYYY-MM-DD'), to_char(n.expected_end_date, 'YYYY-MM-DD'), n.pdp_risk, n.consent_granted
       FROM unnest($2::text[]) AS q(id)
       CROSS JOIN LATERAL (SELECT * FROM leave_notifications WHERE episode_id = q.id OFFSET 0) n`,
    [asRecordset(rows), episodeIds],
  );
  await recordDuplicates(tx, batch, new Set(found.filter((r) => r.episode_id === null).map((r) => r.notification_key)));
  const byEpisode = new Map<string, EpisodeNotification[]>();
  const add = (episodeId: string, n: EpisodeNotification) => {
    const list = byEpisode.get(episodeId) ?? [];
    list.push(n);
    byEpisode.set(episodeId, list);
  };
  for (const r of found) {
    if (r.episode_id === null) {
      // Just inserted: as it would read back (the stored key stands for the leave id).
      const a = unique.get(r.notification_key)!;
      add(a.episodeId, { ...a.notification, leaveId: a.notificationKey });
    } else {
      add(r.episode_id, {
        leaveId: r.notification_key,
        kind: r.kind,
        startDate: r.start_date,
        expectedEndDate: r.expected_end_date,
        pdpRisk: r.pdp_risk,
        ...(r.consent_granted !== null ? { consentGranted: r.consent_granted } : {}),
      });
    }
  }
  return byEpisode;
}

/**
 * Message ids of the batch's duplicates (a leave already recorded, re-sent under a new message
 * id), so they can be traced; a redelivered batch's own messages are not duplicates. Rare:
 * nothing is sent when the batch has none.
 */
async function recordDuplicates(tx: Sql, batch: AcceptedLeave[], inserted: Set<string>): Promise<void> {
  const firsts = new Set<AcceptedLeave>();
  const seen = new Set<string>();
  for (const a of batch) {
    if (inserted.has(a.notificationKey) && !seen.has(a.notificationKey)) firsts.add(a);
    seen.add(a.notificationKey);
  }
  const others = batch.filter((a) => !firsts.has(a));
  if (others.length === 0) return;
  await tx.query(
    `INSERT INTO duplicate_notifications (message_id, notification_key)
     SELECT m, k FROM unnest($1::text[], $2::text[]) AS x(m, k)
      WHERE NOT EXISTS (SELECT 1 FROM leave_notifications n WHERE n.source_message_id = x.m)
     ON CONFLICT (message_id) DO NOTHING`,
    [others.map((a) => a.messageId), others.map((a) => a.notificationKey)],
  );
}

export function shortHash(s: string): string {
  return shortDigest(s, 22);
}
