import { afterPosition, ListPosition, positionOf, Sql } from '@pdp/db';
import { EPISODE_COLUMNS, EpisodeRow } from '@pdp/sick-leave';

/** A decision with the status of its inbox item (acknowledged or not). */
export interface DecisionRow {
  category: string;
  partner_id: string | null;
  status: 'delivered' | 'withheld' | 'pulled-back';
  reason_code: string;
  reason: string;
  legal_basis: string | null;
  irdp_shared: boolean;
  fhir_status: string | null;
  updated_at: Date;
  inbox_status: string | null;
}

export interface LeadRow {
  partner_id: string | null;
  category: string;
  assigned_by: string;
  reason: string;
}

export interface ReferralSummaryRow {
  referral_id: string;
  case_id: string;
  received_at: Date;
  rules_version: string;
}

export interface PersonReferralRow {
  referral_id: string;
  sender_id: string;
  received_at: Date;
  canonical: { date: string; reason: string; pyramide?: string; requestedMeasures: string[]; urgency: string; recipient: unknown };
}

export interface LeaveItemRow {
  partner_id: string;
  episode_id: string;
  created_at: Date;
  acknowledged_at: Date | null;
  legal_basis: string;
}

export interface ReportRow {
  sender_id: string;
  received_at: Date;
  content: { reportId: string; accompaniment: string; measures?: unknown[]; pyramide?: string };
}

export interface LeadChangeRow {
  at: Date;
  action: string;
  partner_id: string | null;
  category: string;
  detail: { reason?: string };
}

const DECISION_COLUMNS = `d.category, d.partner_id, d.status, d.reason_code, d.reason, d.legal_basis, d.irdp_shared, d.fhir_status, d.updated_at, i.status AS inbox_status`;

/**
 * What the hub knows of a case, as its read side shows it: referrals, decisions and their
 * inbox items, sick leaves, reports, the chef de file and its changes in the audit trail.
 */
export class CaseFileStore {
  constructor(private readonly db: Sql) {}

  /** A sender's referral of a signalement (undefined: not this sender's). */
  async referral(senderId: string, signalementId: string): Promise<ReferralSummaryRow | undefined> {
    const ref = await this.db.query<ReferralSummaryRow>('SELECT referral_id, case_id, received_at, rules_version FROM referrals WHERE sender_id = $1 AND signalement_id = $2', [
      senderId,
      signalementId,
    ]);
    return ref.rows[0];
  }

  /** The decisions on a subject (a referral), by recipient category. */
  async decisionsOn(subjectId: string): Promise<DecisionRow[]> {
    const decisions = await this.db.query<DecisionRow>(
      `SELECT ${DECISION_COLUMNS} FROM coordination_deliveries d LEFT JOIN inbox_items i ON i.item_id = d.inbox_item_id WHERE d.subject_id = $1 ORDER BY d.category`,
      [subjectId],
    );
    return decisions.rows;
  }

  /** The case's chef de file (undefined: none yet). */
  async lead(caseId: string): Promise<LeadRow | undefined> {
    const { rows } = await this.db.query<LeadRow>('SELECT partner_id, category, assigned_by, reason FROM case_leads WHERE case_id = $1', [caseId]);
    return rows[0];
  }

  /** A page of the withheld decisions, latest first, by partner, category, reason and period: `limit + 1` rows when a next page exists. */
  async withheld(
    filter: { partnerId?: string; category?: string; reasonCode?: string; from?: string; to?: string },
    limit: number,
    after?: ListPosition,
  ): Promise<(DecisionRow & { delivery_id: string; subject_type: string; subject_id: string; case_id: string; position: string })[]> {
    const params: unknown[] = [limit + 1];
    const where = ["d.status = 'withheld'"];
    if (filter.partnerId) where.push(`d.partner_id = $${params.push(filter.partnerId)}`);
    if (filter.category) where.push(`d.category = $${params.push(filter.category)}`);
    if (filter.reasonCode) where.push(`d.reason_code = $${params.push(filter.reasonCode)}`);
    if (filter.from) where.push(`d.updated_at >= $${params.push(filter.from)}::timestamptz`);
    if (filter.to) where.push(`d.updated_at < $${params.push(filter.to)}::timestamptz`);
    if (after) where.push(afterPosition(params, 'd.updated_at', 'd.delivery_id', after, 'desc'));
    const { rows } = await this.db.query<DecisionRow & { delivery_id: string; subject_type: string; subject_id: string; case_id: string; position: string }>(
      `SELECT ${DECISION_COLUMNS}, d.delivery_id, d.subject_type, d.subject_id, d.case_id, ${positionOf('d.updated_at')} AS position
         FROM coordination_deliveries d LEFT JOIN inbox_items i ON i.item_id = d.inbox_item_id
        WHERE ${where.join(' AND ')} ORDER BY d.updated_at DESC, d.delivery_id DESC LIMIT $1`,
      params,
    );
    return rows;
  }

  /** The referral or accompaniment report a message id carried (now at its latest version, which a later message may have replaced). */
  async subjectOfMessage(messageId: string): Promise<{ subject_type: 'signalement' | 'accompaniment-report'; subject_id: string; case_id: string; received_at: Date } | undefined> {
    const { rows } = await this.db.query<{ subject_type: 'signalement' | 'accompaniment-report'; subject_id: string; case_id: string; received_at: Date }>(
      `SELECT m.subject_type, m.subject_id, coalesce(r.case_id, a.case_id) AS case_id, m.received_at
         FROM coordination_messages m
         LEFT JOIN referrals r ON m.subject_type = 'signalement' AND r.referral_id = m.subject_id
         LEFT JOIN accompaniment_reports a ON m.subject_type = 'accompaniment-report' AND a.report_key = m.subject_id
        WHERE m.message_id = $1 AND coalesce(r.case_id, a.case_id) IS NOT NULL
        LIMIT 1`,
      [messageId],
    );
    return rows[0];
  }

  /** The case a referral or a chef de file names for this case id or person pseudonym. */
  async caseOf(ref: string): Promise<{ case_id: string; person_pseudonym: string } | undefined> {
    const { rows } = await this.db.query<{ case_id: string; person_pseudonym: string }>(
      `SELECT case_id, person_pseudonym FROM referrals WHERE case_id = $1 OR person_pseudonym = $1
       UNION SELECT case_id, person_pseudonym FROM case_leads WHERE case_id = $1 OR person_pseudonym = $1 LIMIT 1`,
      [ref],
    );
    return rows[0];
  }

  /** The case a link of a rotated case id leads to, under any of these keys. */
  async linkedCase(keys: readonly string[]): Promise<string | undefined> {
    if (keys.length === 0) return undefined;
    const { rows } = await this.db.query<{ case_id: string }>('SELECT case_id FROM case_links WHERE link_key = ANY($1::text[]) LIMIT 1', [keys]);
    return rows[0]?.case_id;
  }

  /** Whether a person has a sick leave. */
  async hasLeave(person: string): Promise<boolean> {
    const leave = await this.db.query<{ person_pseudonym: string }>('SELECT person_pseudonym FROM episodes WHERE person_pseudonym = $1 LIMIT 1', [person]);
    return leave.rows.length > 0;
  }

  /** Whether a partner knows of a person through the hub: an item delivered to it (a decision, a sick leave), or a referral it sent. */
  async knownTo(partnerId: string, person: string): Promise<boolean> {
    const { rows } = await this.db.query(
      `SELECT 1 FROM coordination_deliveries WHERE partner_id = $1 AND person_pseudonym = $2 AND status = 'delivered'
       UNION ALL SELECT 1 FROM inbox_items i JOIN episodes e ON e.episode_id = i.episode_id WHERE i.partner_id = $1 AND e.person_pseudonym = $2
       UNION ALL SELECT 1 FROM referrals WHERE sender_id = $1 AND person_pseudonym = $2 LIMIT 1`,
      [partnerId, person],
    );
    return rows.length > 0;
  }

  /**
   * Whether the hub ever delivered something of a person to a partner (the audit keeps it after
   * a pull-back), or the partner sent one of her referrals: whose consent it may record.
   */
  async everConcerned(partnerId: string, person: string): Promise<boolean> {
    const { rows } = await this.db.query(
      `SELECT 1 FROM audit_log WHERE person_pseudonym = $2 AND partner_id = $1 AND action IN ('delivered', 'released')
       UNION ALL SELECT 1 FROM referrals WHERE sender_id = $1 AND person_pseudonym = $2 LIMIT 1`,
      [partnerId, person],
    );
    return rows.length > 0;
  }

  /** A person's sick leaves. */
  async leavesOf(person: string): Promise<EpisodeRow[]> {
    const leaves = await this.db.query<EpisodeRow>(`SELECT ${EPISODE_COLUMNS} FROM episodes e WHERE e.person_pseudonym = $1`, [person]);
    return leaves.rows;
  }

  /** A person's referrals. */
  async referralsOf(person: string): Promise<PersonReferralRow[]> {
    const refs = await this.db.query<PersonReferralRow>('SELECT referral_id, sender_id, received_at, canonical FROM referrals WHERE person_pseudonym = $1', [person]);
    return refs.rows;
  }

  /** The decisions about a person, with when they were taken and acknowledged. */
  async decisionsAbout(person: string): Promise<(DecisionRow & { subject_type: string; subject_id: string; created_at: Date; acknowledged_at: Date | null })[]> {
    const decisions = await this.db.query<DecisionRow & { subject_type: string; subject_id: string; created_at: Date; acknowledged_at: Date | null }>(
      `SELECT ${DECISION_COLUMNS}, d.subject_type, d.subject_id, d.created_at, i.acknowledged_at FROM coordination_deliveries d LEFT JOIN inbox_items i ON i.item_id = d.inbox_item_id WHERE d.person_pseudonym = $1`,
      [person],
    );
    return decisions.rows;
  }

  /** The inbox items of a person's sick leaves. */
  async leaveItemsOf(person: string): Promise<LeaveItemRow[]> {
    const leaveItems = await this.db.query<LeaveItemRow>(
      `SELECT i.partner_id, i.episode_id, i.created_at, i.acknowledged_at, i.legal_basis FROM inbox_items i JOIN episodes e ON e.episode_id = i.episode_id WHERE e.person_pseudonym = $1`,
      [person],
    );
    return leaveItems.rows;
  }

  /** The accompaniment reports about a person. */
  async reportsOf(person: string): Promise<ReportRow[]> {
    const reports = await this.db.query<ReportRow>('SELECT sender_id, received_at, content FROM accompaniment_reports WHERE person_pseudonym = $1', [person]);
    return reports.rows;
  }

  /** The case's chef de file assignments in the audit trail, in order. */
  async leadChanges(caseId: string): Promise<LeadChangeRow[]> {
    const leads = await this.db.query<LeadChangeRow>(
      `SELECT at, action, partner_id, category, detail FROM audit_log WHERE case_id = $1 AND action IN ('chef-de-file-assigned', 'chef-de-file-reassigned') ORDER BY audit_id`,
      [caseId],
    );
    return leads.rows;
  }
}
