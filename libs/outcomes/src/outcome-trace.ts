import { Sql } from '@pdp/db';

/** An outcome report a message carried, as counted: its reporter and report id. */
export interface CountedOutcome {
  partnerId: string;
  reportId: string;
  receivedAt: string;
}

/**
 * Where an outcome report message ended: counted in the harmonised metrics (its row in the
 * outcome log). A report re-sent under a new message id replaces its row; the older message is
 * found through the versions it was replaced by (outcome_superseded), counted as the report.
 */
export async function countedOutcomeOf(db: Sql, messageId: string): Promise<CountedOutcome | undefined> {
  const { rows } = await db.query<{ partner_id: string; report_id: string; received_at: Date }>(
    // The report's current version, whether this message carried it or an earlier one a later version replaced.
    `SELECT p.partner_id, e.report_id, e.received_at FROM outcome_events e JOIN metric_partners p ON p.partner_no = e.partner_no WHERE e.message_id = $1
     UNION ALL
     SELECT p.partner_id, e.report_id, e.received_at FROM outcome_superseded s
       JOIN outcome_events e ON e.partner_no = s.partner_no AND e.report_id = s.report_id JOIN metric_partners p ON p.partner_no = e.partner_no
      WHERE s.message_id = $1
     LIMIT 1`,
    [messageId],
  );
  const r = rows[0];
  return r && { partnerId: r.partner_id, reportId: r.report_id, receivedAt: new Date(r.received_at).toISOString() };
}
