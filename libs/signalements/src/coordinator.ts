import { ContractRegistry } from '@pdp/contracts';
import { ReferralDelivery } from '@pdp/contracts';
import { BusMessage } from '@pdp/bus';
import { Database, Sql } from '@pdp/db';
import { Pseudonymizer } from '@pdp/domain';
import { AuditEntry, AuditTrail } from '@pdp/audit';
import { ConsentRegistry, decideConsent } from '@pdp/consent';
import { RuleSet } from '@pdp/routing-rules';
import { OrientationFact, recordOrientation } from '@pdp/metrics';
import { AdhesionDirectory, Partner, PartnerRegistry } from '@pdp/partners';
import { IdentityVault, SealedIdentity } from '@pdp/identity';
import { DeadLetterSink, parseJson, readMessageId, Rejection, rejectionOf } from '@pdp/dead-letters';
import { CaseLeadStore } from './case-lead.store';
import { canonicalSignalement, CanonicalSignalement, validateSignalement } from './intake';
import { decisionIdOf } from './ids';
import { CaseLead, chefDeFileOf, consentFromSignalement, Decision, decideLead, idempotencyKey, referralContent } from './plan';
import { partnerForTerritory } from '@pdp/partners';
import { SignalementStore } from './signalement.store';
import { DeliveryWriter, Outgoing } from './writer';

export interface SignalementCoordinatorDeps {
  db: Database;
  contracts: ContractRegistry;
  pseudonymizer: Pseudonymizer;
  deadLetters: DeadLetterSink;
  partners: PartnerRegistry;
  directory: AdhesionDirectory;
  rules: RuleSet;
  consent: ConsentRegistry;
  audit: AuditTrail;
  writer: DeliveryWriter;
  clock: () => Date;
  /** Where the worker's identity is kept, sealed, for the recipients entitled to it. */
  identities: IdentityVault;
}

/** Cases routed at once per batch; below the PostgreSQL pool size (10) so other work still gets connections. */
const ROUTING_CONCURRENCY = 6;

/**
 * Signalements: validate → pseudonymise → record the consent stated on the fiche → apply the
 * routing rules → resolve each recipient from the territory → check consent (and the IRDP
 * filter) per recipient → name the chef de file → deliver or withhold, all audited.
 */
export class SignalementCoordinator {
  private readonly signalements: SignalementStore;
  private readonly leads: CaseLeadStore;

  constructor(private readonly deps: SignalementCoordinatorDeps) {
    this.signalements = new SignalementStore(deps.db);
    this.leads = new CaseLeadStore(deps.db);
  }

  async handleBatch(messages: BusMessage[]): Promise<void> {
    const rejections: Rejection[] = [];
    const partners = await this.deps.partners.list();
    const today = this.deps.clock().toISOString().slice(0, 10);
    const accepted: CanonicalSignalement[] = [];
    const identities: { person: string; sealed: SealedIdentity }[] = [];
    for (const m of messages) {
      const reject = (reason: string, errors: Rejection['errors'], messageId?: string) => rejections.push(rejectionOf(m, 'coordinator', reason, errors, messageId));
      const parsed = parseJson(m.value);
      if (!parsed.ok) {
        reject('message is not JSON', [{ path: '/', message: parsed.error }]);
        continue;
      }
      const r = validateSignalement(parsed.value, this.deps.contracts, today);
      if (!r.ok) {
        reject(r.reason, r.violations, readMessageId(parsed.value));
        continue;
      }
      const s = r.value;
      const sender = partners.find((p) => p.partnerId === s.sender.partnerId);
      if (!sender) {
        reject('unknown sender', [{ path: '/sender/partnerId', message: `${s.sender.partnerId} is not a registered partner` }], s.messageId);
        continue;
      }
      if (s.recipient.partnerId && !partners.some((p) => p.partnerId === s.recipient.partnerId)) {
        reject('unknown recipient', [{ path: '/recipient/partnerId', message: `${s.recipient.partnerId} is not a registered partner` }], s.messageId);
        continue;
      }
      const canonical = canonicalSignalement(s, this.deps.pseudonymizer);
      identities.push({ person: canonical.personPseudonym, sealed: this.deps.identities.seal(canonical.personPseudonym, s.worker) });
      accepted.push(canonical);
    }
    // Saved before routing: a recipient may read its item as soon as it is delivered.
    await this.deps.identities.save(this.deps.db, identities);
    const outgoing = await this.routeConcurrently(accepted, partners);
    await this.deps.deadLetters.reject(rejections);
    await this.deps.writer.publish(outgoing);
  }

  /**
   * Each referral is one transaction of many small statements, so the batch's cases are routed
   * side by side on the connection pool (round trips overlap); a case's own referrals stay in
   * order, and its advisory lock serialises it against other batches. Results keep input order.
   */
  private async routeConcurrently(referrals: CanonicalSignalement[], partners: Partner[]): Promise<Outgoing[]> {
    const byCase = new Map<string, number[]>();
    referrals.forEach((r, i) => {
      const lane = byCase.get(r.caseId) ?? [];
      lane.push(i);
      byCase.set(r.caseId, lane);
    });
    const lanes = [...byCase.values()];
    const results: Outgoing[] = new Array(referrals.length);
    let next = 0;
    const worker = async () => {
      while (next < lanes.length) {
        for (const i of lanes[next++]) results[i] = await this.route(referrals[i], partners, { recordConsent: true, actor: 'hub' });
      }
    };
    await Promise.all(Array.from({ length: Math.min(ROUTING_CONCURRENCY, lanes.length) }, worker));
    return results;
  }

  /**
   * Decides (or re-decides) a referral. Decisions already delivered stand; withheld ones are
   * decided again, which is how a consent arriving later releases them.
   */
  async route(referral: CanonicalSignalement, partners: Partner[], opts: { recordConsent: boolean; actor: string }): Promise<Outgoing> {
    const sender = partners.find((p) => p.partnerId === referral.senderId);
    const explicit = referral.recipient.partnerId ? partners.find((p) => p.partnerId === referral.recipient.partnerId) : undefined;
    const intended = explicit?.category ?? referral.recipient.category;
    const rules = this.deps.rules;
    const decision = rules.evaluate({
      flow: 'signalement',
      pyramide: referral.pyramide,
      reason: referral.reason,
      rqth: referral.rqth,
      irdp: referral.irdp,
      senderCategory: sender?.category,
      urgency: referral.urgency,
    });
    const recipients = new Map<string, string[]>();
    if (intended) recipients.set(intended, ['intended-recipient']);
    for (const r of decision.recipients) recipients.set(r.category, [...(recipients.get(r.category) ?? []), ...r.ruleIds]);

    return this.deps.db.transaction(async (tx) => {
      // One case at a time: its chef de file and its decisions change together.
      await this.leads.lockCase(tx, referral.caseId);
      // An older version than the one held changes nothing: the newer one was routed.
      if (!(await this.signalements.save(tx, referral, rules.version))) return { deliveries: [], retractions: [] };
      const audit: AuditEntry[] = [];
      if (opts.recordConsent && intended) {
        // A re-delivered or re-sent signalement does not state its consent twice.
        if (!(await this.signalements.consentStated(tx, `signalement:${referral.referralId}`))) {
          const recorded = await this.deps.consent.record(consentFromSignalement(referral, intended), tx);
          for (const c of recorded)
            audit.push({
              action: 'consent-recorded',
              subjectType: 'consent',
              subjectId: c.consentId,
              caseId: referral.caseId,
              personPseudonym: c.personPseudonym,
              category: c.recipientCategory,
              consentId: c.consentId,
              actor: referral.senderId,
              detail: { purpose: c.purpose, status: c.status, source: c.source },
            });
        }
      }
      const history = await this.deps.consent.history(referral.personPseudonym, tx);
      const now = this.deps.clock();
      const resolved = new Map<string, Partner | undefined>();
      const resolve = async (category: string) => {
        if (!resolved.has(category)) resolved.set(category, category === intended && explicit ? explicit : await this.resolvePartner(category, referral, partners, tx));
        return resolved.get(category);
      };

      // Chef de file first: every delivery tells its recipient who leads.
      const leadPartner = (await resolve(decision.chefDeFile.category)) ?? (sender?.category === decision.chefDeFile.category ? sender : undefined);
      const proposed: CaseLead = {
        partnerId: leadPartner?.partnerId ?? null,
        category: decision.chefDeFile.category,
        assignedBy: 'rule',
        ruleId: decision.chefDeFile.ruleId ?? null,
        reason: leadPartner ? decision.chefDeFile.reason : `${decision.chefDeFile.reason} (no ${decision.chefDeFile.category} partner covers the worker's territory yet)`,
      };
      const lead = await this.assignLead(tx, referral.caseId, referral.personPseudonym, proposed, rules.version, audit, 'hub');

      const decisions: Decision[] = [];
      for (const [category, ruleIds] of recipients) {
        const partner = await resolve(category);
        if (partner?.partnerId === referral.senderId) continue; // never back to the sender
        const base = {
          decisionId: decisionIdOf(referral.referralId, category),
          subjectType: 'signalement' as const,
          subjectId: referral.referralId,
          caseId: referral.caseId,
          personPseudonym: referral.personPseudonym,
          category,
          partner,
          ruleIds,
          rulesVersion: rules.version,
          purpose: 'orientation' as const,
        };
        if (!partner) {
          decisions.push({
            ...base,
            status: 'withheld',
            reasonCode: 'no-recipient',
            reason: `no ${category} partner serves département ${referral.workerDepartement ?? '(unknown)'}`,
            irdpShared: false,
          });
          continue;
        }
        const consent = decideConsent(history, 'orientation', category, now);
        if (!consent.allowed) {
          decisions.push({ ...base, status: 'withheld', reasonCode: consent.code, reason: consent.reason, consentId: consent.consentId, irdpShared: false });
          continue;
        }
        const irdp = referral.irdp !== undefined && rules.irdpAllowed(category, decideConsent(history, 'irdp-sharing', category, now).allowed).share;
        const content = referralContent(referral, sender?.category, irdp);
        const delivery: ReferralDelivery = {
          schemaVersion: 'referral-delivery/1',
          deliveryId: base.decisionId,
          idempotencyKey: idempotencyKey(base.decisionId, content),
          partnerId: partner.partnerId,
          itemType: 'signalement',
          caseId: referral.caseId,
          personPseudonym: referral.personPseudonym,
          legalBasis: 'consent',
          consentId: consent.consentId,
          chefDeFile: chefDeFileOf(lead),
          referral: content,
          ruleIds,
          rulesVersion: rules.version,
          deliveredAt: now.toISOString(),
        };
        decisions.push({ ...base, status: 'delivered', reasonCode: 'consent', reason: consent.reason, legalBasis: 'consent', consentId: consent.consentId, irdpShared: irdp, delivery });
      }
      if (sender)
        await recordOrientation(
          tx,
          decisions.map((d) => orientationFact(referral, sender, d)),
        );
      return this.deps.writer.commit(tx, decisions, opts.actor, audit);
    });
  }

  /** The SPSTI from the employer's adhesion; every other category from the worker's territory. */
  private async resolvePartner(category: string, r: CanonicalSignalement, partners: Partner[], tx: Sql): Promise<Partner | undefined> {
    if (category === 'spsti' && r.employer) {
      const id = await this.deps.directory.resolve(r.employer.siret, r.date, tx);
      const p = id ? partners.find((x) => x.partnerId === id) : undefined;
      if (p) return p;
    }
    if (category === 'spsti' && partners.find((p) => p.partnerId === r.senderId)?.category === 'spsti') return partners.find((p) => p.partnerId === r.senderId);
    return partnerForTerritory(partners, category, r.workerDepartement);
  }

  /** Applies decideLead and records the change; returns the lead in force. */
  async assignLead(tx: Sql, caseId: string, person: string, proposed: CaseLead, rulesVersion: string, audit: AuditEntry[], actor: string, force = false): Promise<CaseLead> {
    const current = await this.leads.current(tx, caseId);
    const { lead, change } = force ? { lead: proposed, change: current ? ('reassigned' as const) : ('assigned' as const) } : decideLead(current, proposed);
    if (change === 'kept') return lead;
    await this.leads.save(tx, caseId, person, lead, rulesVersion);
    audit.push({
      action: change === 'assigned' ? 'chef-de-file-assigned' : 'chef-de-file-reassigned',
      subjectType: 'case',
      subjectId: caseId,
      caseId,
      personPseudonym: person,
      partnerId: lead.partnerId,
      category: lead.category,
      ruleId: lead.ruleId,
      rulesVersion,
      actor,
      detail: { reason: lead.reason, assignedBy: lead.assignedBy, previous: current ? { partnerId: current.partnerId, category: current.category } : null },
    });
    return lead;
  }
}

/** The referral as the harmonised metrics count orientations (one per recipient, meant or delivered). */
function orientationFact(r: CanonicalSignalement, sender: Partner, d: Decision): OrientationFact {
  return {
    signalementId: r.signalementId,
    senderPartnerId: r.senderId,
    senderCategory: sender.category,
    ...(d.partner ? { recipientPartnerId: d.partner.partnerId } : {}),
    recipientCategory: d.category as OrientationFact['recipientCategory'],
    personPseudonym: r.personPseudonym,
    date: r.date,
    ...(r.workerDepartement ? { departement: r.workerDepartement } : {}),
    reason: r.reason,
    ...(r.pyramide ? { pyramide: r.pyramide } : {}),
    requestedMeasures: r.requestedMeasures,
    consentGranted: d.status === 'delivered' || (d.reasonCode === 'no-recipient' && r.consent.granted),
  };
}
