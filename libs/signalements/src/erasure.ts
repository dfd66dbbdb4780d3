import { rekeyColumns, rekeyDocuments, Sql } from '@pdp/db';

/** What forgetting a person removed from the coordination flows, and the partners whose topics carried her items. */
export interface CoordinationErasure {
  referrals: number;
  accompanimentReports: number;
  decisions: number;
  inboxItems: number;
  caseLeads: number;
  partners: string[];
}

/**
 * Forgets a person's signalements and accompaniment reports, in the erasure's transaction: the
 * referrals and reports, every routing decision about them and the inbox items they put in the
 * partners' inboxes, and her case's chef de file.
 */
export async function eraseCoordination(tx: Sql, person: string): Promise<CoordinationErasure> {
  const items = await tx.query<{ partner_id: string }>(
    `DELETE FROM inbox_items WHERE item_id IN (SELECT inbox_item_id FROM coordination_deliveries WHERE person_pseudonym = $1 AND inbox_item_id IS NOT NULL)
     RETURNING partner_id`,
    [person],
  );
  const decisions = await tx.query('DELETE FROM coordination_deliveries WHERE person_pseudonym = $1', [person]);
  await tx.query(
    `DELETE FROM coordination_messages WHERE subject_id IN (SELECT referral_id FROM referrals WHERE person_pseudonym = $1 UNION ALL SELECT report_key FROM accompaniment_reports WHERE person_pseudonym = $1)`,
    [person],
  );
  const referrals = await tx.query('DELETE FROM referrals WHERE person_pseudonym = $1', [person]);
  const reports = await tx.query('DELETE FROM accompaniment_reports WHERE person_pseudonym = $1', [person]);
  const leads = await tx.query('DELETE FROM case_leads WHERE person_pseudonym = $1', [person]);
  return {
    referrals: referrals.rowCount,
    accompanimentReports: reports.rowCount,
    decisions: decisions.rowCount,
    inboxItems: items.rowCount,
    caseLeads: leads.rowCount,
    partners: [...new Set(items.rows.map((r) => r.partner_id))],
  };
}

/**
 * Re-keys the coordination flow to the new pseudonyms: referrals, reports, decisions and case
 * leads with their case ids (made from the pseudonym), and the inbox items that carry them.
 */
export async function rekeyCoordination(tx: Sql): Promise<number> {
  const referrals = await rekeyColumns(tx, 'referrals', { person: 'person_pseudonym', caseId: 'case_id', documents: [{ column: 'canonical', type: 'jsonb' }] });
  await rekeyColumns(tx, 'accompaniment_reports', { person: 'person_pseudonym', caseId: 'case_id', documents: [{ column: 'content', type: 'jsonb' }] });
  await rekeyColumns(tx, 'coordination_deliveries', { person: 'person_pseudonym', caseId: 'case_id' });
  await rekeyColumns(tx, 'case_leads', { person: 'person_pseudonym', caseId: 'case_id' });
  await rekeyDocuments(tx, 'inbox_items', { column: 'payload', type: 'json' }, "t.payload->>'personPseudonym'");
  return referrals;
}
