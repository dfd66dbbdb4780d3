import { REKEY_MAP, rekeyColumns, rekeyDocuments, Sql } from '@pdp/db';
import { caseIdOf, Pseudonymizer } from '@pdp/domain';

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
  await tx.query('DELETE FROM case_links WHERE case_id = $1', [caseIdOf(person)]);
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
 * leads with their case ids (made from the pseudonym), and the inbox items that carry them. The
 * case ids partners hold stay answered, through links.
 */
export async function rekeyCoordination(tx: Sql, pseudonymizer: Pseudonymizer, from: number): Promise<number> {
  await relinkCases(tx, pseudonymizer, from);
  const referrals = await rekeyColumns(tx, 'referrals', { person: 'person_pseudonym', caseId: 'case_id', documents: [{ column: 'canonical', type: 'jsonb' }] });
  await rekeyColumns(tx, 'accompaniment_reports', { person: 'person_pseudonym', caseId: 'case_id', documents: [{ column: 'content', type: 'jsonb' }] });
  await rekeyColumns(tx, 'coordination_deliveries', { person: 'person_pseudonym', caseId: 'case_id' });
  await rekeyColumns(tx, 'case_leads', { person: 'person_pseudonym', caseId: 'case_id' });
  await rekeyDocuments(tx, 'inbox_items', { column: 'payload', type: 'json' }, "t.payload->>'personPseudonym'");
  return referrals;
}

/**
 * Links each case id of the version `from` to the one made from the new pseudonym, under a key
 * of the new chain (Pseudonymizer.linkKeys); the links of earlier rotations are carried forward
 * the same way and follow their cases to the new ids.
 */
async function relinkCases(tx: Sql, pseudonymizer: Pseudonymizer, from: number): Promise<void> {
  const { rows } = await tx.query<{ link_key: string }>('SELECT link_key FROM case_links');
  if (rows.length)
    await tx.query('UPDATE case_links c SET link_key = v.n FROM unnest($1::text[], $2::text[]) AS v(o, n) WHERE c.link_key = v.o', [
      rows.map((r) => r.link_key),
      rows.map((r) => pseudonymizer.forward(r.link_key, from)),
    ]);
  await tx.query(`UPDATE case_links c SET case_id = m.new_case FROM ${REKEY_MAP} m WHERE c.case_id = m.old_case`);
  const { rows: cases } = await tx.query<{ old_case: string; new_case: string }>(`SELECT old_case, new_case FROM ${REKEY_MAP}`);
  if (cases.length)
    await tx.query('INSERT INTO case_links (link_key, case_id) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING', [
      cases.map((c) => pseudonymizer.linkKeys(c.old_case)[from - 1]),
      cases.map((c) => c.new_case),
    ]);
}
