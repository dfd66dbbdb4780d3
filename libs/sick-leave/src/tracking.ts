import { Database } from '@pdp/db';

export type MessageStatus = 'dead-lettered' | 'not-eligible' | 'parked' | 'delivered' | 'in-progress' | 'unknown';

export interface MessageTrace {
  messageId: string;
  status: MessageStatus;
  reason?: string;
  deadLetterIds?: string[];
  deliveredTo?: { partnerId: string; itemId: string; version: number }[];
  /** A re-sent copy of a leave already received: the message id of the one that counted. */
  duplicateOf?: string;
}

/** Where an accepted message ended: every one is delivered, dead-lettered, parked or not eligible. */
export class MessageTracker {
  constructor(private readonly db: Database) {}

  async trace(messageId: string): Promise<MessageTrace> {
    const dead = await this.db.query<{ dead_letter_id: string; reason: string }>('SELECT dead_letter_id, reason FROM dead_letters WHERE message_id = $1 ORDER BY rejected_at', [messageId]);
    // The message, and the one that counted when it is a re-sent copy of a leave.
    const episode = await this.db.query<{ episode_id: string; eligible: boolean; reason: string; duplicate_of: string | null }>(
      `SELECT e.episode_id, e.eligible, e.eligibility_reason AS reason, m.duplicate_of
         FROM leave_messages m JOIN episodes e ON e.episode_id = m.episode_id
        WHERE m.message_id = $1
        ORDER BY m.duplicate_of NULLS FIRST
        LIMIT 1`,
      [messageId],
    );
    const e = episode.rows[0];
    if (e?.duplicate_of) return { ...(await this.traceEpisode(messageId, e)), duplicateOf: e.duplicate_of };
    if (!e) {
      if (dead.rows.length) return { messageId, status: 'dead-lettered', reason: dead.rows[0].reason, deadLetterIds: dead.rows.map((d) => d.dead_letter_id) };
      return { messageId, status: 'unknown' };
    }
    return this.traceEpisode(messageId, e);
  }

  private async traceEpisode(messageId: string, e: { episode_id: string; eligible: boolean; reason: string }): Promise<MessageTrace> {
    if (!e.eligible) return { messageId, status: 'not-eligible', reason: e.reason };
    const items = await this.db.query<{ partner_id: string; item_id: string; version: number }>('SELECT partner_id, item_id, version FROM inbox_items WHERE episode_id = $1 ORDER BY partner_id', [
      e.episode_id,
    ]);
    if (items.rows.length) {
      return { messageId, status: 'delivered', deliveredTo: items.rows.map((r) => ({ partnerId: r.partner_id, itemId: r.item_id, version: r.version })) };
    }
    // A sick-leave case is parked under its episode id (the primary key).
    const parked = await this.db.query<{ reason: string }>('SELECT reason FROM parked_cases WHERE parked_id = $1 AND released_at IS NULL', [e.episode_id]);
    if (parked.rows.length) return { messageId, status: 'parked', reason: parked.rows[0].reason };
    return { messageId, status: 'in-progress' };
  }

  async deadLetters(limit = 100): Promise<{ deadLetterId: string; stage: string; sourceTopic: string; messageId: string | null; reason: string; errors: unknown; rejectedAt: string }[]> {
    const { rows } = await this.db.query<{ dead_letter_id: string; stage: string; source_topic: string; message_id: string | null; reason: string; errors: unknown; rejected_at: Date }>(
      'SELECT dead_letter_id, stage, source_topic, message_id, reason, errors, rejected_at FROM dead_letters ORDER BY rejected_at DESC LIMIT $1',
      [limit],
    );
    return rows.map((r) => ({
      deadLetterId: r.dead_letter_id,
      stage: r.stage,
      sourceTopic: r.source_topic,
      messageId: r.message_id,
      reason: r.reason,
      errors: r.errors,
      rejectedAt: new Date(r.rejected_at).toISOString(),
    }));
  }

  async parked(limit = 100): Promise<{ parkedId: string; reasonCode: string; reason: string; employerSiret: string; parkedAt: string }[]> {
    const { rows } = await this.db.query<{ parked_id: string; reason_code: string; reason: string; employer_siret: string; parked_at: Date }>(
      'SELECT parked_id, reason_code, reason, employer_siret, parked_at FROM parked_cases WHERE released_at IS NULL ORDER BY parked_at LIMIT $1',
      [limit],
    );
    return rows.map((r) => ({ parkedId: r.parked_id, reasonCode: r.reason_code, reason: r.reason, employerSiret: r.employer_siret, parkedAt: new Date(r.parked_at).toISOString() }));
  }
}
