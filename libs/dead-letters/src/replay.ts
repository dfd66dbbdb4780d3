import { AuditTrail } from '@pdp/audit';
import { MessageBus, OutgoingMessage } from '@pdp/bus';
import { Database } from '@pdp/db';
import { IdentityKeyring } from '@pdp/identity';
import { hubMetrics } from '@pdp/observability';
import { DeadLetterStore, StoredDeadLetter } from './dead-letter.store';

/** A dead letter's original bytes, opened with the keyring that sealed them (or as kept, from before they were sealed). */
export function originalOf(keyring: IdentityKeyring, d: Pick<StoredDeadLetter, 'deadLetterId' | 'original'>): Buffer {
  return d.original.keyId === null ? d.original.bytes : keyring.openBytes(d.deadLetterId, { keyId: d.original.keyId, sealed: d.original.bytes });
}

/** The header a replayed record carries: the dead letter it comes from. */
export const REPLAY_HEADER = 'x-replay-of';

export interface ReplayResult {
  deadLetterId: string;
  /** replayed: back on its topic now; already-replayed: an earlier replay did it (by whom, when); not-found. */
  status: 'replayed' | 'already-replayed' | 'not-found';
  sourceTopic?: string;
  messageId?: string | null;
  replayedAt?: string;
  replayedBy?: string;
}

/**
 * Puts dead letters back on the topic they were consumed from, after a fix (a partner
 * registered, the rules corrected): their original bytes under their original key, so the same
 * consumer takes them through the same path. Each dead letter is replayed once: the claim, the
 * publication and the audit entry share one transaction, and a second replay of the same dead
 * letter finds it claimed. If the message fails again it is dead-lettered anew, under a new id.
 */
export class DeadLetterReplay {
  private readonly store: DeadLetterStore;

  constructor(
    private readonly db: Database,
    private readonly bus: MessageBus,
    private readonly audit: AuditTrail,
    private readonly keyring: IdentityKeyring,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.store = new DeadLetterStore(db);
  }

  async replay(deadLetterIds: readonly string[], actor: string): Promise<ReplayResult[]> {
    const ids = [...new Set(deadLetterIds)];
    const now = this.clock();
    const claimed = await this.db.transaction(async (tx) => {
      const rows = await this.store.claimForReplay(tx, ids, actor, now);
      // Published before the commit: a failed publication rolls the claim back, and the dead
      // letter can be replayed again. A commit lost after the publication republishes on the
      // next replay, which the consumers' idempotency absorbs.
      await this.bus.publishMany(byTopic(rows, this.keyring));
      await this.audit.append(
        rows.map((d) => ({
          action: 'dead-letter-replayed' as const,
          subjectType: 'dead-letter' as const,
          subjectId: d.deadLetterId,
          actor,
          detail: { stage: d.stage, sourceTopic: d.sourceTopic, messageId: d.messageId, reason: d.reason },
        })),
        tx,
      );
      return rows;
    });
    for (const d of claimed) hubMetrics.deadLettersReplayed.inc({ stage: d.stage, topic: d.sourceTopic });
    const done = new Map(claimed.map((d) => [d.deadLetterId, d]));
    // Those not claimed now: replayed before (by whom, when), or unknown; read in one query.
    const earlier = await this.store.summaries(ids.filter((id) => !done.has(id)));
    const results: ReplayResult[] = ids.map((id): ReplayResult => {
      const d = done.get(id);
      if (d) return { deadLetterId: id, status: 'replayed', sourceTopic: d.sourceTopic, messageId: d.messageId, replayedAt: now.toISOString(), replayedBy: actor };
      const e = earlier.get(id);
      if (!e) return { deadLetterId: id, status: 'not-found' };
      return { deadLetterId: id, status: 'already-replayed', sourceTopic: e.sourceTopic, messageId: e.messageId, replayedAt: e.replayedAt ?? undefined, replayedBy: e.replayedBy ?? undefined };
    });
    return results;
  }
}

/**
 * The records of a replay, per topic. A dead letter kept without its key (before keys were
 * kept) goes under its message id, or its own id: the topic's consumers never read the key.
 */
function byTopic(rows: StoredDeadLetter[], keyring: IdentityKeyring): { topic: string; messages: OutgoingMessage[] }[] {
  const topics = new Map<string, OutgoingMessage[]>();
  for (const d of rows) {
    const list = topics.get(d.sourceTopic) ?? [];
    list.push({ key: d.sourceKey ?? d.messageId ?? d.deadLetterId, value: originalOf(keyring, d), headers: { [REPLAY_HEADER]: d.deadLetterId } });
    topics.set(d.sourceTopic, list);
  }
  return [...topics].map(([topic, messages]) => ({ topic, messages }));
}
