import { Database } from '@pdp/db';
import { caseIdOf } from '@pdp/domain';
import { caseEventOf, EPISODE_COLUMNS, EpisodeRow } from '@pdp/sick-leave';

export interface RecipientStatus {
  category: string;
  partnerId: string | null;
  status: 'delivered' | 'acknowledged' | 'withheld' | 'pulled-back';
  reasonCode: string;
  reason: string;
  legalBasis: string | null;
  irdpShared: boolean;
  fhir: string | null;
  updatedAt: string;
}

export interface ReferralStatus {
  signalementId: string;
  referralId: string;
  caseId: string;
  receivedAt: string;
  rulesVersion: string;
  chefDeFile: { partnerId: string | null; category: string; assignedBy: string; reason: string } | null;
  recipients: RecipientStatus[];
}

interface DecisionRow {
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

const DECISION_COLUMNS = `d.category, d.partner_id, d.status, d.reason_code, d.reason, d.legal_basis, d.irdp_shared, d.fhir_status, d.updated_at, i.status AS inbox_status`;

function recipient(r: DecisionRow): RecipientStatus {
  return {
    category: r.category,
    partnerId: r.partner_id,
    status: r.status === 'delivered' && r.inbox_status === 'acknowledged' ? 'acknowledged' : r.status,
    reasonCode: r.reason_code,
    reason: r.reason,
    legalBasis: r.legal_basis,
    irdpShared: r.irdp_shared,
    fhir: r.fhir_status,
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

/** Read side of the signalement flow: sender status, ops views, case timeline. */
export class SignalementQueries {
  constructor(private readonly db: Database) {}

  /** What became of a signalement, for its sender only (null for anyone else). */
  async referralStatus(senderId: string, signalementId: string): Promise<ReferralStatus | null> {
    const ref = await this.db.query<{ referral_id: string; case_id: string; received_at: Date; rules_version: string }>(
      'SELECT referral_id, case_id, received_at, rules_version FROM referrals WHERE sender_id = $1 AND signalement_id = $2',
      [senderId, signalementId],
    );
    const r = ref.rows[0];
    if (!r) return null;
    const decisions = await this.db.query<DecisionRow>(
      `SELECT ${DECISION_COLUMNS} FROM coordination_deliveries d LEFT JOIN inbox_items i ON i.item_id = d.inbox_item_id WHERE d.subject_id = $1 ORDER BY d.category`,
      [r.referral_id],
    );
    return {
      signalementId,
      referralId: r.referral_id,
      caseId: r.case_id,
      receivedAt: new Date(r.received_at).toISOString(),
      rulesVersion: r.rules_version,
      chefDeFile: await this.lead(r.case_id),
      recipients: decisions.rows.map(recipient),
    };
  }

  async lead(caseId: string): Promise<ReferralStatus['chefDeFile']> {
    const { rows } = await this.db.query<{ partner_id: string | null; category: string; assigned_by: string; reason: string }>(
      'SELECT partner_id, category, assigned_by, reason FROM case_leads WHERE case_id = $1',
      [caseId],
    );
    return rows[0] ? { partnerId: rows[0].partner_id, category: rows[0].category, assignedBy: rows[0].assigned_by, reason: rows[0].reason } : null;
  }

  /** Ops: everything withheld, with its reason (nothing is dropped silently). */
  async withheld(limit = 200): Promise<(RecipientStatus & { subjectType: string; subjectId: string; caseId: string })[]> {
    const { rows } = await this.db.query<DecisionRow & { subject_type: string; subject_id: string; case_id: string }>(
      `SELECT ${DECISION_COLUMNS}, d.subject_type, d.subject_id, d.case_id FROM coordination_deliveries d LEFT JOIN inbox_items i ON i.item_id = d.inbox_item_id
        WHERE d.status = 'withheld' ORDER BY d.updated_at DESC LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ ...recipient(r), subjectType: r.subject_type, subjectId: r.subject_id, caseId: r.case_id }));
  }

  /** The case of a person pseudonym or case id, if any fact of it exists. */
  async resolveCase(ref: string): Promise<{ caseId: string; person: string } | null> {
    const { rows } = await this.db.query<{ case_id: string; person_pseudonym: string }>(
      `SELECT case_id, person_pseudonym FROM referrals WHERE case_id = $1 OR person_pseudonym = $1
       UNION SELECT case_id, person_pseudonym FROM case_leads WHERE case_id = $1 OR person_pseudonym = $1 LIMIT 1`,
      [ref],
    );
    if (rows[0]) return { caseId: rows[0].case_id, person: rows[0].person_pseudonym };
    const leave = await this.db.query<{ person_pseudonym: string }>('SELECT person_pseudonym FROM episodes WHERE person_pseudonym = $1 LIMIT 1', [ref]);
    return leave.rows[0] ? { caseId: caseIdOf(ref), person: ref } : null;
  }

  /** A partner reads a case only when something of it was delivered to it. */
  async partnerMayRead(partnerId: string, person: string): Promise<boolean> {
    const { rows } = await this.db.query(
      `SELECT 1 FROM coordination_deliveries WHERE partner_id = $1 AND person_pseudonym = $2 AND status = 'delivered'
       UNION ALL SELECT 1 FROM inbox_items i JOIN episodes e ON e.episode_id = i.episode_id WHERE i.partner_id = $1 AND e.person_pseudonym = $2 LIMIT 1`,
      [partnerId, person],
    );
    return rows.length > 0;
  }

  /** Leave, referrals, measures, deliveries, acknowledgements, reports and lead changes, in time order. */
  async timeline(caseId: string, person: string): Promise<{ caseId: string; chefDeFile: ReferralStatus['chefDeFile']; events: TimelineEvent[] }> {
    const events: TimelineEvent[] = [];
    const leaves = await this.db.query<EpisodeRow>(`SELECT ${EPISODE_COLUMNS} FROM episodes e WHERE e.person_pseudonym = $1`, [person]);
    for (const l of leaves.rows) {
      const e = caseEventOf(l);
      events.push({
        at: `${e.startDate}T00:00:00.000Z`,
        type: 'sick-leave',
        detail: { episodeId: l.episode_id, source: e.source, nature: e.nature, startDate: e.startDate, expectedEndDate: e.expectedEndDate, cumulatedDays: e.cumulatedDays, eligible: e.eligible },
      });
    }
    const refs = await this.db.query<{
      referral_id: string;
      sender_id: string;
      received_at: Date;
      canonical: { date: string; reason: string; pyramide?: string; requestedMeasures: string[]; urgency: string; recipient: unknown };
    }>('SELECT referral_id, sender_id, received_at, canonical FROM referrals WHERE person_pseudonym = $1', [person]);
    for (const r of refs.rows) {
      const c = r.canonical;
      // The IRDP stays out of the timeline: any partner of the case may read it.
      events.push({
        at: new Date(r.received_at).toISOString(),
        type: 'referral',
        detail: { referralId: r.referral_id, sender: r.sender_id, date: c.date, reason: c.reason, pyramide: c.pyramide ?? null, urgency: c.urgency, recipient: c.recipient },
      });
      if (c.requestedMeasures.length) events.push({ at: new Date(r.received_at).toISOString(), type: 'measures-requested', detail: { referralId: r.referral_id, measures: c.requestedMeasures } });
    }
    const decisions = await this.db.query<DecisionRow & { subject_type: string; subject_id: string; created_at: Date; acknowledged_at: Date | null }>(
      `SELECT ${DECISION_COLUMNS}, d.subject_type, d.subject_id, d.created_at, i.acknowledged_at FROM coordination_deliveries d LEFT JOIN inbox_items i ON i.item_id = d.inbox_item_id WHERE d.person_pseudonym = $1`,
      [person],
    );
    for (const d of decisions.rows) {
      const s = recipient(d);
      events.push({
        at: new Date(d.created_at).toISOString(),
        type: `delivery-${d.status}`,
        detail: { subjectType: d.subject_type, subjectId: d.subject_id, category: s.category, partnerId: s.partnerId, reasonCode: s.reasonCode, legalBasis: s.legalBasis },
      });
      if (d.acknowledged_at) events.push({ at: new Date(d.acknowledged_at).toISOString(), type: 'acknowledged', detail: { subjectId: d.subject_id, partnerId: s.partnerId } });
    }
    const leaveItems = await this.db.query<{ partner_id: string; episode_id: string; created_at: Date; acknowledged_at: Date | null; legal_basis: string }>(
      `SELECT i.partner_id, i.episode_id, i.created_at, i.acknowledged_at, i.legal_basis FROM inbox_items i JOIN episodes e ON e.episode_id = i.episode_id WHERE e.person_pseudonym = $1`,
      [person],
    );
    for (const i of leaveItems.rows) {
      events.push({
        at: new Date(i.created_at).toISOString(),
        type: 'delivery-delivered',
        detail: { subjectType: 'sick-leave', subjectId: i.episode_id, category: 'spsti', partnerId: i.partner_id, legalBasis: i.legal_basis },
      });
      if (i.acknowledged_at) events.push({ at: new Date(i.acknowledged_at).toISOString(), type: 'acknowledged', detail: { subjectId: i.episode_id, partnerId: i.partner_id } });
    }
    const reports = await this.db.query<{ sender_id: string; received_at: Date; content: { reportId: string; accompaniment: string; measures?: unknown[]; pyramide?: string } }>(
      'SELECT sender_id, received_at, content FROM accompaniment_reports WHERE person_pseudonym = $1',
      [person],
    );
    for (const r of reports.rows)
      events.push({
        at: new Date(r.received_at).toISOString(),
        type: 'accompaniment-report',
        detail: { sender: r.sender_id, reportId: r.content.reportId, accompaniment: r.content.accompaniment, measures: r.content.measures ?? [], pyramide: r.content.pyramide ?? null },
      });
    const leads = await this.db.query<{ at: Date; action: string; partner_id: string | null; category: string; detail: { reason?: string } }>(
      `SELECT at, action, partner_id, category, detail FROM audit_log WHERE case_id = $1 AND action IN ('chef-de-file-assigned', 'chef-de-file-reassigned') ORDER BY audit_id`,
      [caseId],
    );
    for (const l of leads.rows) events.push({ at: new Date(l.at).toISOString(), type: l.action, detail: { partnerId: l.partner_id, category: l.category, reason: l.detail.reason ?? null } });
    events.sort((a, b) => a.at.localeCompare(b.at));
    return { caseId, chefDeFile: await this.lead(caseId), events };
  }
}

export interface TimelineEvent {
  at: string;
  type: string;
  detail: Record<string, unknown>;
}
