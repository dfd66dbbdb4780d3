import { DeadLetter } from '@pdp/contracts';
import { Sql } from '@pdp/db';

/** The dead_letters table: rejected messages with their reason and original bytes (restricted to ops). */
export class DeadLetterStore {
  constructor(private readonly db: Sql) {}

  /** Keeps a batch of dead letters; one redelivered (same id) is kept once. */
  async insert(records: readonly DeadLetter[]): Promise<void> {
    await this.db.query(
      `INSERT INTO dead_letters (dead_letter_id, stage, source_topic, message_id, reason, errors, original_bytes, rejected_at)
       SELECT "deadLetterId", stage, "sourceTopic", "messageId", reason, errors, decode("originalBytesBase64", 'base64'), "rejectedAt"
         FROM jsonb_to_recordset($1::jsonb) AS x("deadLetterId" text, stage text, "sourceTopic" text, "messageId" text, reason text,
                                                  errors jsonb, "originalBytesBase64" text, "rejectedAt" timestamptz)
       ON CONFLICT (dead_letter_id) DO NOTHING`,
      [JSON.stringify(records)],
    );
  }

  /** Every dead letter of a message id, oldest first. */
  async ofMessage(messageId: string): Promise<{ deadLetterId: string; reason: string }[]> {
    const { rows } = await this.db.query<{ dead_letter_id: string; reason: string }>('SELECT dead_letter_id, reason FROM dead_letters WHERE message_id = $1 ORDER BY rejected_at', [messageId]);
    return rows.map((r) => ({ deadLetterId: r.dead_letter_id, reason: r.reason }));
  }

  /** The latest dead letters, newest first, without their bytes. */
  async latest(limit: number): Promise<{ deadLetterId: string; stage: string; sourceTopic: string; messageId: string | null; reason: string; errors: unknown; rejectedAt: string }[]> {
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
}
