import { AccompanimentReport, CaseEvent, ReportContent } from '@pdp/contracts';
import { Sql } from '@pdp/db';

/**
 * The accompaniment_reports table (what SPSTI report back on the leaves they were sent), and
 * the leave a report is about, as it was delivered to its sender.
 */
export class AccompanimentReportStore {
  constructor(private readonly db: Sql) {}

  /** The case event of a sick leave as delivered to this partner (its inbox item), not as stored since. */
  async leaveAsDelivered(episodeId: string, partnerId: string): Promise<CaseEvent | undefined> {
    const { rows } = await this.db.query<{ case_event: CaseEvent }>(
      `SELECT i.payload->'caseEvent' AS case_event FROM inbox_items i WHERE i.episode_id = $1 AND i.partner_id = $2 AND i.item_type = 'sick-leave'`,
      [episodeId, partnerId],
    );
    return rows[0]?.case_event;
  }

  /** Records a report (under its key, in its case), or replaces it with a re-sent version. */
  async save(tx: Sql, key: string, report: AccompanimentReport, caseId: string, personPseudonym: string, content: ReportContent): Promise<void> {
    await tx.query(
      `WITH saved AS (
         INSERT INTO accompaniment_reports (report_key, sender_id, report_id, message_id, episode_id, case_id, person_pseudonym, content)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (report_key) DO UPDATE SET message_id = excluded.message_id, content = excluded.content, received_at = now()
         RETURNING report_key, message_id)
       INSERT INTO coordination_messages (message_id, subject_type, subject_id) SELECT message_id, 'accompaniment-report', report_key FROM saved ON CONFLICT DO NOTHING`,
      [key, report.sender.partnerId, report.reportId, report.messageId, report.episodeId, caseId, personPseudonym, JSON.stringify(content)],
    );
  }
}
