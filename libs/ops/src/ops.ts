import { SignalementTopics, Topics } from '@pdp/contracts';
import { Database, ListPosition } from '@pdp/db';
import { DeadLetterFilter, DeadLetterReplay, DeadLetterStore, DeadLetterSummary, originalOf, ReplayResult } from '@pdp/dead-letters';
import { IdentityKeyring } from '@pdp/identity';
import { ParkedCaseStore, ParkedSummary } from '@pdp/inbox';
import { maskIdentity, scrubIdentifiers } from '@pdp/observability';
import { countedOutcomeOf } from '@pdp/outcomes';
import { MessageTrace as LeaveTrace, MessageTracker } from '@pdp/sick-leave';
import { RecipientStatus, SignalementQueries, WithheldDecision } from '@pdp/signalements';

export type MessageKind = 'sick-leave' | 'employer-declaration' | 'signalement' | 'accompaniment-report' | 'outcome' | 'unknown';

/**
 * Where a message is now, and why, whatever its flow. delivered, not-eligible, parked (sick
 * leaves); routed, with each recipient's decision (signalements, accompaniment reports);
 * counted (outcome reports); dead-lettered (with its reasons); in-progress (accepted, or replayed
 * from a dead letter, and not ended yet: `waitingFor` says where).
 */
export interface MessageTrace extends Omit<LeaveTrace, 'status'> {
  kind: MessageKind;
  status: LeaveTrace['status'] | 'routed' | 'counted';
  caseId?: string;
  receivedAt?: string;
  recipients?: RecipientStatus[];
  countedAs?: { partnerId: string; reportId: string };
  waitingFor?: string;
  replayedFrom?: string[];
}

/** A dead letter opened by an operator: its summary and its payload with every identity field masked. */
export interface DeadLetterDetail extends DeadLetterSummary {
  /** The original JSON, masked; null when the bytes are not JSON (then `text` shows them, masked and cut). */
  payload: unknown;
  text?: string;
  bytes: number;
}

/** An accepted message in the ops list of messages: its kind, when it came, and where it is now. */
export interface MessageListEntry {
  messageId: string;
  kind: MessageKind;
  receivedAt: string;
  status: MessageTrace['status'];
  reason?: string;
}

const KIND_OF_TOPIC: Record<string, MessageKind> = {
  [Topics.sickLeaveInbound]: 'sick-leave',
  [Topics.caseNormalized]: 'sick-leave',
  [Topics.employerLeaveInbound]: 'employer-declaration',
  [SignalementTopics.signalementInbound]: 'signalement',
  [SignalementTopics.accompanimentReportInbound]: 'accompaniment-report',
  [Topics.outcomeInbound]: 'outcome',
};

/** The stage that consumes a topic: where a replayed message waits. */
const STAGE_OF_TOPIC: Record<string, string> = {
  [Topics.sickLeaveInbound]: 'normalizer',
  [Topics.employerLeaveInbound]: 'normalizer',
  [Topics.caseNormalized]: 'router',
  [SignalementTopics.signalementInbound]: 'coordinator',
  [SignalementTopics.accompanimentReportInbound]: 'coordinator',
  [Topics.outcomeInbound]: 'metrics',
};

/** A payload shown to an operator is cut at this size (a 10 MB body is not diagnosed by reading it whole). */
const MAX_SHOWN_TEXT = 64 * 1024;

/**
 * The operators' read side over every flow: dead letters (and their replay), parked cases,
 * withheld decisions, and one trace per message. Lists are pages in a stable order with cursors;
 * nothing is capped silently.
 */
export class OpsService {
  private readonly deadLetterStore: DeadLetterStore;
  private readonly parkedCases: ParkedCaseStore;
  private readonly leaves: MessageTracker;
  private readonly signalements: SignalementQueries;

  constructor(
    private readonly db: Database,
    private readonly replayer: DeadLetterReplay,
    private readonly keyring: IdentityKeyring,
  ) {
    this.deadLetterStore = new DeadLetterStore(db);
    this.parkedCases = new ParkedCaseStore(db);
    this.leaves = new MessageTracker(db);
    this.signalements = new SignalementQueries(db);
  }

  deadLetters(filter: DeadLetterFilter, limit: number, after?: ListPosition) {
    return this.deadLetterStore.list(filter, limit, after);
  }

  async deadLetter(deadLetterId: string): Promise<DeadLetterDetail | undefined> {
    const d = await this.deadLetterStore.get(deadLetterId);
    if (!d) return undefined;
    const { sourceKey: _key, original: _sealed, ...summary } = d;
    const original = originalOf(this.keyring, d);
    const text = original.toString('utf8');
    try {
      return { ...summary, payload: maskIdentity(JSON.parse(text)), bytes: original.length };
    } catch {
      const shown = text.length > MAX_SHOWN_TEXT ? `${text.slice(0, MAX_SHOWN_TEXT)}…` : text;
      return { ...summary, payload: null, text: scrubIdentifiers(shown), bytes: original.length };
    }
  }

  /** A dead letter's original bytes in clear (admins only: they may hold a worker's identity). */
  async deadLetterOriginal(deadLetterId: string): Promise<Buffer | undefined> {
    const d = await this.deadLetterStore.get(deadLetterId);
    return d && originalOf(this.keyring, d);
  }

  replay(deadLetterIds: readonly string[], actor: string): Promise<ReplayResult[]> {
    return this.replayer.replay(deadLetterIds, actor);
  }

  /** The ids of the dead letters a filter selects and that were not replayed yet, up to a bound (a replay by filter). */
  async replayable(filter: DeadLetterFilter, max: number): Promise<string[]> {
    const ids: string[] = [];
    let after: ListPosition | undefined;
    while (ids.length < max) {
      const rows = await this.deadLetterStore.list({ ...filter, replayed: false }, Math.min(500, max - ids.length), after);
      const page = rows.slice(0, Math.min(500, max - ids.length));
      ids.push(...page.map((r) => r.item.deadLetterId));
      if (rows.length <= page.length) break;
      after = page[page.length - 1].position;
    }
    return ids;
  }

  parked(filter: { reasonCode?: string; employerSiret?: string; from?: string; to?: string }, limit: number, after?: ListPosition): Promise<{ item: ParkedSummary; position: ListPosition }[]> {
    return this.parkedCases.unreleased(filter, limit, after);
  }

  withheld(
    filter: { partnerId?: string; category?: string; reasonCode?: string; from?: string; to?: string },
    limit: number,
    after?: ListPosition,
  ): Promise<{ item: WithheldDecision; position: ListPosition }[]> {
    return this.signalements.withheld(filter, limit, after);
  }

  /** Where a message is now, in whichever flow took it; undefined when the hub has no trace of it. */
  async trace(messageId: string): Promise<MessageTrace | undefined> {
    const leave = await this.leaves.trace(messageId);
    if (leave.status !== 'unknown' && leave.status !== 'dead-lettered') return { ...leave, kind: await this.leaveKind(messageId) };
    const referral = await this.signalements.messageTrace(messageId);
    if (referral) return { messageId, kind: referral.kind, status: 'routed', caseId: referral.caseId, receivedAt: referral.receivedAt, recipients: referral.recipients };
    const outcome = await countedOutcomeOf(this.db, messageId);
    if (outcome) return { messageId, kind: 'outcome', status: 'counted', receivedAt: outcome.receivedAt, countedAs: { partnerId: outcome.partnerId, reportId: outcome.reportId } };
    const dead = await this.deadLetterStore.ofMessage(messageId);
    if (dead.length === 0) return undefined;
    const first = await this.deadLetterStore.get(dead[0].deadLetterId);
    const kind = KIND_OF_TOPIC[first?.sourceTopic ?? ''] ?? 'unknown';
    const pending = dead.filter((d) => d.replayedAt === null);
    if (pending.length) return { messageId, kind, status: 'dead-lettered', reason: pending[pending.length - 1].reason, deadLetterIds: dead.map((d) => d.deadLetterId) };
    // Every dead letter of it was replayed and nothing recorded it since: back in its consumer's queue.
    const stage = STAGE_OF_TOPIC[first?.sourceTopic ?? ''] ?? 'consumer';
    return {
      messageId,
      kind,
      status: 'in-progress',
      reason: `replayed from its dead letter; waiting for the ${stage}`,
      waitingFor: stage,
      deadLetterIds: dead.map((d) => d.deadLetterId),
      replayedFrom: dead.map((d) => d.deadLetterId),
    };
  }

  /** The kind of a leave message: a notification from the insurer or an employer's declaration. */
  private async leaveKind(messageId: string): Promise<MessageKind> {
    const { rows } = await this.db.query<{ declared: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM episodes e, json_array_elements(e.notifications) n
                       WHERE e.episode_id IN (SELECT episode_id FROM leave_messages WHERE message_id = $1) AND n->>'m' = $1 AND n->>'t' = 'employer-declaration') AS declared`,
      [messageId],
    );
    return rows[0]?.declared ? 'employer-declaration' : 'sick-leave';
  }

  /**
   * A page of the messages the flows recorded, newest first, each with where it is now: leaves,
   * signalements, accompaniment reports, outcome reports, and those only a dead letter kept.
   */
  async messages(filter: { kind?: string; from?: string; to?: string }, limit: number, after?: ListPosition): Promise<{ item: MessageListEntry; position: ListPosition }[]> {
    const params: unknown[] = [limit + 1];
    const where: string[] = [];
    if (filter.kind) where.push(`kind = $${params.push(filter.kind)}`);
    if (filter.from) where.push(`at >= $${params.push(filter.from)}::timestamptz`);
    if (filter.to) where.push(`at < $${params.push(filter.to)}::timestamptz`);
    if (after) where.push(`(at, kind || ':' || message_id) < ($${params.push(after.at)}::timestamptz, $${params.push(after.id)})`);
    const { rows } = await this.db.query<{ message_id: string; kind: string; at: Date; position: string }>(
      `SELECT message_id, kind, at, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS position FROM (
         SELECT message_id, 'sick-leave' AS kind, min(received_at) AS at FROM leave_messages GROUP BY message_id
         UNION ALL SELECT message_id, 'signalement', received_at FROM referrals
         UNION ALL SELECT message_id, 'accompaniment-report', received_at FROM accompaniment_reports
         UNION ALL SELECT message_id, 'outcome', received_at FROM outcome_events
         UNION ALL SELECT message_id, 'dead-lettered', min(rejected_at) FROM dead_letters WHERE message_id IS NOT NULL GROUP BY message_id
       ) m ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, kind || ':' || message_id DESC LIMIT $1`,
      params,
    );
    const entries: { item: MessageListEntry; position: ListPosition }[] = [];
    for (const r of rows) {
      const t = await this.trace(r.message_id);
      entries.push({
        item: { messageId: r.message_id, kind: t?.kind ?? 'unknown', receivedAt: new Date(r.at).toISOString(), status: t?.status ?? 'in-progress', ...(t?.reason ? { reason: t.reason } : {}) },
        position: { at: r.position, id: `${r.kind}:${r.message_id}` },
      });
    }
    return entries;
  }
}
