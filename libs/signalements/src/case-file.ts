import { Database, ListPosition } from '@pdp/db';
import { DeadLetterStore } from '@pdp/dead-letters';
import { caseEventOf } from '@pdp/sick-leave';
import { SignalementTopics } from '@pdp/contracts';
import { caseIdOf, Pseudonymizer } from '@pdp/domain';
import { reportKeyOf } from './ids';
import { CaseFileStore, DecisionRow } from './case-file.store';

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

/** A decision withheld from a recipient, as the ops list shows it. */
export type WithheldDecision = RecipientStatus & { subjectType: string; subjectId: string; caseId: string };

/** A signalement the flow refused: final, with the reason its dead letter gives. */
export interface RejectedSignalement {
  signalementId: string;
  status: 'rejected';
  reason: string;
  errors: unknown;
  deadLetterId: string;
  rejectedAt: string;
}

export interface ReferralStatus {
  signalementId: string;
  /** routed: every recipient decided (delivered, withheld with its reason, or pulled back). */
  status: 'routed';
  referralId: string;
  caseId: string;
  receivedAt: string;
  rulesVersion: string;
  chefDeFile: { partnerId: string | null; category: string; assignedBy: string; reason: string } | null;
  recipients: RecipientStatus[];
}

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

/** Read side of the coordination flows: sender status, ops views, case timeline. */
export class SignalementQueries {
  private readonly store: CaseFileStore;
  private readonly deadLetters: DeadLetterStore;

  /** `pseudonymizer`: to answer, after a rotation of its key, the case ids and pseudonyms partners kept from before. */
  constructor(
    db: Database,
    private readonly pseudonymizer?: Pseudonymizer,
  ) {
    this.store = new CaseFileStore(db);
    this.deadLetters = new DeadLetterStore(db);
  }

  /** What became of a signalement, for its sender only (null for anyone else). */
  async referralStatus(senderId: string, signalementId: string): Promise<ReferralStatus | RejectedSignalement | null> {
    const r = await this.store.referral(senderId, signalementId);
    if (!r) return this.rejected(senderId, signalementId);
    const decisions = await this.store.decisionsOn(r.referral_id);
    return {
      signalementId,
      status: 'routed',
      referralId: r.referral_id,
      caseId: r.case_id,
      receivedAt: new Date(r.received_at).toISOString(),
      rulesVersion: r.rules_version,
      chefDeFile: await this.lead(r.case_id),
      recipients: decisions.map(recipient),
    };
  }

  /** A signalement of this sender dead-lettered by the consumer, if any (found by the sender and id read from its bytes when rejected). */
  private async rejected(senderId: string, signalementId: string): Promise<RejectedSignalement | null> {
    const [d] = await this.deadLetters.ofSender(SignalementTopics.signalementInbound, `${senderId}:${signalementId}`, 1);
    return d ? { signalementId, status: 'rejected', reason: d.reason, errors: d.errors, deadLetterId: d.deadLetterId, rejectedAt: d.rejectedAt } : null;
  }

  async lead(caseId: string): Promise<ReferralStatus['chefDeFile']> {
    const lead = await this.store.lead(caseId);
    return lead ? { partnerId: lead.partner_id, category: lead.category, assignedBy: lead.assigned_by, reason: lead.reason } : null;
  }

  /** Ops: everything withheld, with its reason (nothing is dropped silently). */
  /** A page of the withheld decisions, latest first, each with its case and subject. */
  async withheld(
    filter: { partnerId?: string; category?: string; reasonCode?: string; from?: string; to?: string },
    limit: number,
    after?: ListPosition,
  ): Promise<{ item: WithheldDecision; position: ListPosition }[]> {
    const rows = await this.store.withheld(filter, limit, after);
    return rows.map((r) => ({
      item: { ...recipient(r), subjectType: r.subject_type, subjectId: r.subject_id, caseId: r.case_id },
      position: { at: r.position, id: r.delivery_id },
    }));
  }

  /**
   * Where a signalement or accompaniment report message ended, by its message id: routed, with
   * each recipient's decision (delivered, acknowledged, withheld with its reason, pulled back).
   * Undefined when the flow never recorded it (in flight, or dead-lettered).
   */
  async messageTrace(messageId: string): Promise<{ kind: 'signalement' | 'accompaniment-report'; caseId: string; receivedAt: string; recipients: RecipientStatus[] } | undefined> {
    const s = await this.store.subjectOfMessage(messageId);
    if (!s) return undefined;
    const decisions = await this.store.decisionsOn(s.subject_id);
    return { kind: s.subject_type, caseId: s.case_id, receivedAt: new Date(s.received_at).toISOString(), recipients: decisions.map(recipient) };
  }

  /**
   * The case of a person pseudonym or case id, if any fact of it exists. A reference made before a
   * rotation of the pseudonymisation key is followed to the case it is now: a pseudonym by the key
   * chain, a case id by its link (docs/security.md, "Rotating the pseudonymisation key").
   */
  async resolveCase(ref: string): Promise<{ caseId: string; person: string } | null> {
    const found = await this.caseOf(ref);
    if (found || !this.pseudonymizer || this.pseudonymizer.version === 1) return found;
    for (let v = this.pseudonymizer.version - 1; v >= 1; v--) {
      const now = await this.caseOf(this.pseudonymizer.forward(ref, v));
      if (now) return now;
    }
    const linked = await this.store.linkedCase(this.pseudonymizer.linkKeys(ref));
    return linked ? this.caseOf(linked) : null;
  }

  private async caseOf(ref: string): Promise<{ caseId: string; person: string } | null> {
    const found = await this.store.caseOf(ref);
    if (found) return { caseId: found.case_id, person: found.person_pseudonym };
    return (await this.store.hasLeave(ref)) ? { caseId: caseIdOf(ref), person: ref } : null;
  }

  /** A partner reads a case only when something of it was delivered to it, or it sent one of its referrals. */
  async partnerMayRead(partnerId: string, person: string): Promise<boolean> {
    return this.store.knownTo(partnerId, person);
  }

  /** A partner records a worker's consent only when her case concerns it: delivered to it once, or referred by it. */
  async partnerMayRecordConsent(partnerId: string, person: string): Promise<boolean> {
    return this.store.everConcerned(partnerId, person);
  }

  /**
   * Leave, referrals, measures, deliveries, acknowledgements, reports and lead changes, in time
   * order, as its reader may know them: what was delivered to it or what it sent, and the
   * decisions about its own items or its own referrals. A partner that received one item about
   * a person does not learn of the referrals withheld from it, nor of other partners' items.
   */
  async timeline(caseId: string, person: string, reader: string): Promise<{ caseId: string; chefDeFile: ReferralStatus['chefDeFile']; events: TimelineEvent[] }> {
    const events: TimelineEvent[] = [];
    const decisions = await this.store.decisionsAbout(person);
    const leaveItems = await this.store.leaveItemsOf(person);
    const deliveredToReader = new Set(decisions.filter((d) => d.partner_id === reader && d.status === 'delivered').map((d) => d.subject_id));
    const readerEpisodes = new Set(leaveItems.filter((i) => i.partner_id === reader).map((i) => i.episode_id));
    const referrals = (await this.store.referralsOf(person)).filter((r) => r.sender_id === reader || deliveredToReader.has(r.referral_id));
    const sentByReader = new Set(referrals.filter((r) => r.sender_id === reader).map((r) => r.referral_id));
    for (const l of await this.store.leavesOf(person)) {
      if (!readerEpisodes.has(l.episode_id)) continue;
      const e = caseEventOf(l);
      events.push({
        at: `${e.startDate}T00:00:00.000Z`,
        type: 'sick-leave',
        detail: { episodeId: l.episode_id, source: e.source, nature: e.nature, startDate: e.startDate, expectedEndDate: e.expectedEndDate, cumulatedDays: e.cumulatedDays, eligible: e.eligible },
      });
    }
    for (const r of referrals) {
      const c = r.canonical;
      // The IRDP stays out of the timeline: any partner of the case may read it.
      events.push({
        at: new Date(r.received_at).toISOString(),
        type: 'referral',
        detail: { referralId: r.referral_id, sender: r.sender_id, date: c.date, reason: c.reason, pyramide: c.pyramide ?? null, urgency: c.urgency, recipient: c.recipient },
      });
      if (c.requestedMeasures.length) events.push({ at: new Date(r.received_at).toISOString(), type: 'measures-requested', detail: { referralId: r.referral_id, measures: c.requestedMeasures } });
    }
    for (const d of decisions) {
      if (d.partner_id !== reader && !sentByReader.has(d.subject_id)) continue;
      const s = recipient(d);
      events.push({
        at: new Date(d.created_at).toISOString(),
        type: `delivery-${d.status}`,
        detail: { subjectType: d.subject_type, subjectId: d.subject_id, category: s.category, partnerId: s.partnerId, reasonCode: s.reasonCode, legalBasis: s.legalBasis },
      });
      if (d.acknowledged_at) events.push({ at: new Date(d.acknowledged_at).toISOString(), type: 'acknowledged', detail: { subjectId: d.subject_id, partnerId: s.partnerId } });
    }
    for (const i of leaveItems) {
      if (i.partner_id !== reader) continue;
      events.push({
        at: new Date(i.created_at).toISOString(),
        type: 'delivery-delivered',
        detail: { subjectType: 'sick-leave', subjectId: i.episode_id, category: 'spsti', partnerId: i.partner_id, legalBasis: i.legal_basis },
      });
      if (i.acknowledged_at) events.push({ at: new Date(i.acknowledged_at).toISOString(), type: 'acknowledged', detail: { subjectId: i.episode_id, partnerId: i.partner_id } });
    }
    for (const r of await this.store.reportsOf(person)) {
      if (r.sender_id !== reader && !deliveredToReader.has(reportKeyOf(r.sender_id, r.content.reportId))) continue;
      events.push({
        at: new Date(r.received_at).toISOString(),
        type: 'accompaniment-report',
        detail: { sender: r.sender_id, reportId: r.content.reportId, accompaniment: r.content.accompaniment, measures: r.content.measures ?? [], pyramide: r.content.pyramide ?? null },
      });
    }
    for (const l of await this.store.leadChanges(caseId))
      events.push({ at: new Date(l.at).toISOString(), type: l.action, detail: { partnerId: l.partner_id, category: l.category, reason: l.detail.reason ?? null } });
    events.sort((a, b) => a.at.localeCompare(b.at));
    return { caseId, chefDeFile: await this.lead(caseId), events };
  }
}

export interface TimelineEvent {
  at: string;
  type: string;
  detail: Record<string, unknown>;
}
