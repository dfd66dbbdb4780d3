import { InboxDelivery } from '@pdp/contracts';
import { Sql } from '@pdp/db';
import { CaseLead } from './plan';

/** The case_leads table: each case's chef de file, and the lock that serialises a case's changes. */
export class CaseLeadStore {
  constructor(private readonly db: Sql) {}

  /** Holds the case until the transaction ends: its chef de file and its decisions change together. */
  async lockCase(tx: Sql, caseId: string): Promise<void> {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [caseId]);
  }

  /** The person of a case that has a chef de file (null: no such case). */
  async personOf(caseId: string): Promise<string | null> {
    const lead = await this.db.query<{ person_pseudonym: string }>('SELECT person_pseudonym FROM case_leads WHERE case_id = $1', [caseId]);
    return lead.rows[0]?.person_pseudonym ?? null;
  }

  /** The case's chef de file, its row locked until the transaction ends (null: none yet). */
  async current(tx: Sql, caseId: string): Promise<CaseLead | null> {
    const { rows } = await tx.query<{ partner_id: string | null; category: string; assigned_by: 'rule' | 'manual'; rule_id: string | null; reason: string }>(
      'SELECT partner_id, category, assigned_by, rule_id, reason FROM case_leads WHERE case_id = $1 FOR UPDATE',
      [caseId],
    );
    return rows[0] ? { partnerId: rows[0].partner_id, category: rows[0].category, assignedBy: rows[0].assigned_by, ruleId: rows[0].rule_id, reason: rows[0].reason } : null;
  }

  /** Names (or replaces) the case's chef de file. */
  async save(tx: Sql, caseId: string, person: string, lead: CaseLead, rulesVersion: string): Promise<void> {
    await tx.query(
      `INSERT INTO case_leads (case_id, person_pseudonym, partner_id, category, assigned_by, rule_id, rules_version, reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (case_id) DO UPDATE SET partner_id = excluded.partner_id, category = excluded.category, assigned_by = excluded.assigned_by,
         rule_id = excluded.rule_id, rules_version = excluded.rules_version, reason = excluded.reason, assigned_at = now()`,
      [caseId, person, lead.partnerId, lead.category, lead.assignedBy, lead.ruleId, rulesVersion, lead.reason],
    );
  }

  /**
   * Names the SPSTI a leave was delivered to as chef de file of each case that has none yet, by
   * rule; cases: one delivery per case, in the order their rows are to be taken.
   */
  async assignSpstiWhereNone(sql: Sql, cases: [caseId: string, delivery: InboxDelivery][], ruleId: string, rulesVersion: string, reason: string): Promise<void> {
    await sql.query(
      `INSERT INTO case_leads (case_id, person_pseudonym, partner_id, category, assigned_by, rule_id, rules_version, reason)
       SELECT c, p, s, 'spsti', 'rule', $4, $5, $6 FROM unnest($1::text[], $2::text[], $3::text[]) AS t(c, p, s)
       ON CONFLICT (case_id) DO NOTHING`,
      [cases.map(([c]) => c), cases.map(([, d]) => d.caseEvent.personPseudonym), cases.map(([, d]) => d.partnerId), ruleId, rulesVersion, reason],
    );
  }
}
