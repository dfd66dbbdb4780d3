import { DeadLetter } from '@pdp/contracts';
import { afterPosition, ListPosition, positionOf, Sql } from '@pdp/db';

/** A dead letter as the ops lists show it: without its bytes. */
export interface DeadLetterSummary {
  deadLetterId: string;
  stage: string;
  sourceTopic: string;
  messageId: string | null;
  reason: string;
  errors: unknown;
  rejectedAt: string;
  replayedAt: string | null;
  replayedBy: string | null;
}

/**
 * A dead letter with what a replay needs: its topic, key and original bytes as kept, sealed with
 * the identity keyring under `keyId` (null: kept in clear, before they were sealed).
 */
export interface StoredDeadLetter extends DeadLetterSummary {
  sourceKey: string | null;
  original: { keyId: string | null; bytes: Buffer };
}

/** What the dead-letter list filters on: exact stage and topic, a reason's text, the message, a period, replayed or not. */
export interface DeadLetterFilter {
  stage?: string;
  topic?: string;
  reason?: string;
  messageId?: string;
  replayed?: boolean;
  from?: string;
  to?: string;
}

interface Row {
  dead_letter_id: string;
  stage: string;
  source_topic: string;
  message_id: string | null;
  reason: string;
  errors: unknown;
  rejected_at: Date | string;
  replayed_at: Date | string | null;
  replayed_by: string | null;
  position: string;
}

const SUMMARY = `dead_letter_id, stage, source_topic, message_id, reason, errors, rejected_at, replayed_at, replayed_by, ${positionOf('rejected_at')} AS position`;

type StoredRow = Row & { source_key: string | null; original_bytes: Buffer | Uint8Array; original_key_id: string | null };

function stored(r: StoredRow): StoredDeadLetter {
  return { ...summary(r), sourceKey: r.source_key, original: { keyId: r.original_key_id, bytes: Buffer.from(r.original_bytes) } };
}

function summary(r: Row): DeadLetterSummary {
  return {
    deadLetterId: r.dead_letter_id,
    stage: r.stage,
    sourceTopic: r.source_topic,
    messageId: r.message_id,
    reason: r.reason,
    errors: r.errors,
    rejectedAt: new Date(r.rejected_at).toISOString(),
    replayedAt: r.replayed_at === null ? null : new Date(r.replayed_at).toISOString(),
    replayedBy: r.replayed_by,
  };
}

/** The dead_letters table: rejected messages with their reason and original bytes (restricted to ops). */
export class DeadLetterStore {
  constructor(private readonly db: Sql) {}

  /** Keeps a batch of dead letters; one redelivered (same id) is kept once. */
  async insert(records: readonly (DeadLetter & { sourceKey: string | null; senderRef: string | null })[]): Promise<void> {
    await this.db.query(
      `INSERT INTO dead_letters (dead_letter_id, stage, source_topic, source_partition, source_offset, source_key, sender_ref, message_id, reason, errors, original_bytes, original_key_id, rejected_at)
       SELECT "deadLetterId", stage, "sourceTopic", "sourcePartition", "sourceOffset", "sourceKey", "senderRef", "messageId", reason, errors, decode(original->>'sealedBase64', 'base64'), original->>'keyId', "rejectedAt"
         FROM jsonb_to_recordset($1::jsonb) AS x("deadLetterId" text, stage text, "sourceTopic" text, "sourcePartition" integer, "sourceOffset" text, "sourceKey" text, "senderRef" text,
                                                  "messageId" text, reason text, errors jsonb, original jsonb, "rejectedAt" timestamptz)
       ON CONFLICT (dead_letter_id) DO NOTHING`,
      [JSON.stringify(records)],
    );
  }

  /** The dead letters of what a sender sent under one of its ids on a topic ("sender:id", read when they were rejected), newest first. */
  async ofSender(topic: string, senderRef: string, limit = 20): Promise<{ deadLetterId: string; reason: string; errors: unknown; rejectedAt: string }[]> {
    const { rows } = await this.db.query<{ dead_letter_id: string; reason: string; errors: unknown; rejected_at: Date }>(
      'SELECT dead_letter_id, reason, errors, rejected_at FROM dead_letters WHERE sender_ref = $1 AND source_topic = $2 ORDER BY rejected_at DESC LIMIT $3',
      [senderRef, topic, limit],
    );
    return rows.map((r) => ({ deadLetterId: r.dead_letter_id, reason: r.reason, errors: r.errors, rejectedAt: new Date(r.rejected_at).toISOString() }));
  }

  /** Every dead letter of a message id, oldest first. */
  async ofMessage(messageId: string): Promise<{ deadLetterId: string; reason: string; replayedAt: string | null }[]> {
    const { rows } = await this.db.query<{ dead_letter_id: string; reason: string; replayed_at: Date | null }>(
      'SELECT dead_letter_id, reason, replayed_at FROM dead_letters WHERE message_id = $1 ORDER BY rejected_at',
      [messageId],
    );
    return rows.map((r) => ({ deadLetterId: r.dead_letter_id, reason: r.reason, replayedAt: r.replayed_at === null ? null : new Date(r.replayed_at).toISOString() }));
  }

  /** A page of dead letters, newest first, without their bytes: `limit + 1` rows when a next page exists. */
  async list(filter: DeadLetterFilter, limit: number, after?: ListPosition): Promise<{ item: DeadLetterSummary; position: ListPosition }[]> {
    const params: unknown[] = [limit + 1];
    const where: string[] = [];
    if (filter.stage) where.push(`stage = $${params.push(filter.stage)}`);
    if (filter.topic) where.push(`source_topic = $${params.push(filter.topic)}`);
    if (filter.messageId) where.push(`message_id = $${params.push(filter.messageId)}`);
    if (filter.reason) where.push(`strpos(lower(reason), lower($${params.push(filter.reason)})) > 0`);
    if (filter.replayed !== undefined) where.push(filter.replayed ? 'replayed_at IS NOT NULL' : 'replayed_at IS NULL');
    if (filter.from) where.push(`rejected_at >= $${params.push(filter.from)}::timestamptz`);
    if (filter.to) where.push(`rejected_at < $${params.push(filter.to)}::timestamptz`);
    if (after) where.push(afterPosition(params, 'rejected_at', 'dead_letter_id', after, 'desc'));
    const { rows } = await this.db.query<Row>(
      `SELECT ${SUMMARY} FROM dead_letters ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY rejected_at DESC, dead_letter_id DESC LIMIT $1`,
      params,
    );
    return rows.map((r) => ({ item: summary(r), position: { at: r.position, id: r.dead_letter_id } }));
  }

  /** One dead letter with its bytes. */
  async get(deadLetterId: string): Promise<StoredDeadLetter | undefined> {
    const { rows } = await this.db.query<StoredRow>(`SELECT ${SUMMARY}, source_key, original_bytes, original_key_id FROM dead_letters WHERE dead_letter_id = $1`, [deadLetterId]);
    return rows[0] && stored(rows[0]);
  }

  /** Several dead letters' summaries in one query, by id (those that exist). */
  async summaries(deadLetterIds: readonly string[]): Promise<Map<string, DeadLetterSummary>> {
    if (deadLetterIds.length === 0) return new Map();
    const { rows } = await this.db.query<Row>(`SELECT ${SUMMARY} FROM dead_letters WHERE dead_letter_id = ANY($1::text[])`, [deadLetterIds]);
    return new Map(rows.map((r) => [r.dead_letter_id, summary(r)]));
  }

  /**
   * Marks these dead letters replayed by an actor, those not replayed yet only, and returns them
   * with their bytes: run in the replay's transaction, a second replay finds nothing to claim.
   */
  async claimForReplay(tx: Sql, deadLetterIds: readonly string[], actor: string, at: Date): Promise<StoredDeadLetter[]> {
    const { rows } = await tx.query<StoredRow>(
      `UPDATE dead_letters SET replayed_at = $3, replayed_by = $2
        WHERE dead_letter_id = ANY($1::text[]) AND replayed_at IS NULL
        RETURNING ${SUMMARY}, source_key, original_bytes, original_key_id`,
      [deadLetterIds, actor, at.toISOString()],
    );
    return rows.map(stored);
  }

  /** Dead letters whose bytes are in clear or sealed with another key than the active one, a page at a time. */
  async sealedOtherwise(activeKeyId: string, limit: number): Promise<{ deadLetterId: string; original: { keyId: string | null; bytes: Buffer } }[]> {
    const { rows } = await this.db.query<{ dead_letter_id: string; original_bytes: Buffer | Uint8Array; original_key_id: string | null }>(
      'SELECT dead_letter_id, original_bytes, original_key_id FROM dead_letters WHERE original_key_id IS DISTINCT FROM $1 LIMIT $2',
      [activeKeyId, limit],
    );
    return rows.map((r) => ({ deadLetterId: r.dead_letter_id, original: { keyId: r.original_key_id, bytes: Buffer.from(r.original_bytes) } }));
  }

  async replaceOriginal(deadLetterId: string, sealed: { keyId: string; bytes: Buffer }): Promise<void> {
    await this.db.query('UPDATE dead_letters SET original_bytes = $2, original_key_id = $3 WHERE dead_letter_id = $1', [deadLetterId, sealed.bytes, sealed.keyId]);
  }

  /** Dead letters with their bytes, in id order after an id, a page at a time (a scan). */
  async pageAfter(afterId: string, limit: number): Promise<{ deadLetterId: string; original: { keyId: string | null; bytes: Buffer } }[]> {
    const { rows } = await this.db.query<{ dead_letter_id: string; original_bytes: Buffer | Uint8Array; original_key_id: string | null }>(
      'SELECT dead_letter_id, original_bytes, original_key_id FROM dead_letters WHERE dead_letter_id > $1 ORDER BY dead_letter_id LIMIT $2',
      [afterId, limit],
    );
    return rows.map((r) => ({ deadLetterId: r.dead_letter_id, original: { keyId: r.original_key_id, bytes: Buffer.from(r.original_bytes) } }));
  }

  async remove(deadLetterIds: readonly string[]): Promise<number> {
    if (deadLetterIds.length === 0) return 0;
    return (await this.db.query('DELETE FROM dead_letters WHERE dead_letter_id = ANY($1::text[])', [deadLetterIds])).rowCount;
  }

  /** Removes the dead letters rejected before an instant (their retention is over); returns how many. */
  async purgeBefore(cutoff: Date): Promise<number> {
    const { rowCount } = await this.db.query('DELETE FROM dead_letters WHERE rejected_at < $1', [cutoff.toISOString()]);
    return rowCount;
  }
}
