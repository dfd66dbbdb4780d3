import { ContractRegistry, Violation } from '@pdp/contracts';
import { ConsentStatement, SignalementContractIds, ReferralDelivery } from '@pdp/contracts';
import { Database } from '@pdp/db';
import { caseIdOf, checkIdentity, Pseudonymizer } from '@pdp/domain';
import { AuditEntry, AuditTrail } from '@pdp/audit';
import { ConsentRecord, ConsentRegistry, consentRecordsFromFhir, NewConsentRecord } from '@pdp/consent';
import { Consent } from '@pdp/fhir';
import { PartnerRegistry } from '@pdp/partners';
import { pullBackSickLeaveItems, releaseConsentParked, SICK_LEAVE_CONSENT } from '@pdp/consent';
import { MessageBus } from '@pdp/bus';
import { pushRetracted } from '@pdp/push';
import { SignalementCoordinator } from './coordinator';
import { DeliveryStore } from './delivery.store';
import { idempotencyKey } from './plan';
import { SignalementStore } from './signalement.store';
import { DeliveryWriter, Outgoing } from './writer';

export interface ConsentServiceDeps {
  db: Database;
  bus: MessageBus;
  contracts: ContractRegistry;
  pseudonymizer: Pseudonymizer;
  consent: ConsentRegistry;
  audit: AuditTrail;
  writer: DeliveryWriter;
  partners: PartnerRegistry;
  coordinator: SignalementCoordinator;
  clock: () => Date;
}

export interface ConsentChange {
  recorded: ConsentRecord[];
  pulledBack: { deliveryId: string; partnerId: string }[];
  retracted: { deliveryId: string; partnerId: string }[];
  released: { deliveryId: string; partnerId: string }[];
}

/**
 * Consent decisions from partners (API), FHIR Consent imports and their effects: a withdrawal
 * pulls back every not-yet-acknowledged item of that purpose and category (an acknowledged one
 * gets a retraction notice), and a grant releases the items withheld for want of it.
 */
export class ConsentService {
  private readonly signalements: SignalementStore;
  private readonly deliveries: DeliveryStore;

  constructor(private readonly deps: ConsentServiceDeps) {
    this.signalements = new SignalementStore(deps.db);
    this.deliveries = new DeliveryStore(deps.db, deps.writer.fhirRetry);
  }

  validate(body: unknown): { ok: true; value: ConsentStatement } | { ok: false; violations: Violation[] } {
    const r = this.deps.contracts.contract<ConsentStatement>(SignalementContractIds.consentStatement).validate(body);
    if (!r.ok) return r;
    const w = r.value.worker;
    const v: Violation[] = checkIdentity(w);
    return v.length ? { ok: false, violations: v } : r;
  }

  async recordStatement(s: ConsentStatement, actor: string): Promise<ConsentChange> {
    return this.apply(
      [
        {
          personPseudonym: this.deps.pseudonymizer.person(s.worker.nir ?? s.worker.ins!.value),
          purpose: s.purpose,
          recipientCategory: s.recipientCategory,
          status: s.status,
          effectiveAt: new Date(s.effectiveAt).toISOString(),
          source: `api:${actor}`,
          collectedBy: s.collectedBy ?? null,
          evidenceRef: s.evidenceRef ?? null,
        },
      ],
      actor,
    );
  }

  /** FHIR Consent resources (a body, or a search on a FHIR server); a version already imported is skipped. */
  /** `mayRecord`, when given, says whose consent the actor may record; the others are skipped with the reason. */
  async importFhir(resources: Consent[], actor: string, mayRecord?: (personPseudonym: string) => Promise<boolean>): Promise<ConsentChange & { skipped: { consent: string; reason: string }[] }> {
    const mapped = consentRecordsFromFhir(resources, (nir) => this.deps.pseudonymizer.person(nir));
    const known = await this.deps.consent.knownFhirIds(mapped.records.map((r) => r.fhirConsentId!));
    const fresh: NewConsentRecord[] = [];
    const skipped = [...mapped.skipped];
    for (const r of mapped.records) {
      if (known.has(r.fhirConsentId!)) continue;
      if (mayRecord && !(await mayRecord(r.personPseudonym))) skipped.push({ consent: r.fhirConsentId!, reason: 'no case of this worker was delivered to you or referred by you' });
      else fresh.push(r);
    }
    return { ...(await this.apply(fresh, actor)), skipped };
  }

  private async apply(records: NewConsentRecord[], actor: string): Promise<ConsentChange> {
    const change: ConsentChange = { recorded: [], pulledBack: [], retracted: [], released: [] };
    if (records.length === 0) return change;
    const outgoing: Outgoing = { deliveries: [], retractions: [] };
    await this.deps.db.transaction(async (tx) => {
      change.recorded = await this.deps.consent.record(records, tx);
      const audit: AuditEntry[] = change.recorded.map((c) => ({
        action: 'consent-recorded',
        subjectType: 'consent',
        subjectId: c.consentId,
        personPseudonym: c.personPseudonym,
        category: c.recipientCategory,
        consentId: c.consentId,
        actor,
        detail: { purpose: c.purpose, status: c.status, source: c.source, effectiveAt: c.effectiveAt },
      }));
      await this.deps.audit.append(audit, tx);
    });
    const now = this.deps.clock().getTime();
    for (const c of change.recorded) {
      if (Date.parse(c.effectiveAt) > now) continue; // takes effect later; decisions read the registry then
      if (c.purpose === SICK_LEAVE_CONSENT.purpose && c.recipientCategory === SICK_LEAVE_CONSENT.category) {
        await this.applySickLeaveConsent(c, actor, change);
        continue;
      }
      if (c.status !== 'granted' && (c.purpose === 'orientation' || c.purpose === 'irdp-sharing')) {
        const r = await this.pullBack(c, actor);
        change.pulledBack.push(...r.pulledBack);
        change.retracted.push(...r.retracted);
        outgoing.retractions.push(...r.out.retractions);
        outgoing.deliveries.push(...r.out.deliveries);
      }
    }
    // A grant (or an IRDP withdrawal, which re-delivers without the IRDP) re-decides withheld items.
    const persons = [...new Set(change.recorded.filter((c) => Date.parse(c.effectiveAt) <= now).map((c) => c.personPseudonym))];
    for (const person of persons) {
      const o = await this.redecide(person, actor);
      outgoing.deliveries.push(...o.deliveries);
      change.released.push(...o.deliveries.map((d) => ({ deliveryId: d.delivery.deliveryId, partnerId: d.delivery.partnerId })));
    }
    await this.deps.writer.publish(outgoing);
    return change;
  }

  /**
   * Transitional-phase sick leaves: a refusal or withdrawal pulls the person's unacknowledged
   * items back out of the SPSTI inboxes (parked with the reason) and sends a retraction on the
   * partner's Kafka topic, which carried the item too; a grant releases them.
   */
  private async applySickLeaveConsent(c: ConsentRecord, actor: string, change: ConsentChange): Promise<void> {
    if (c.status === 'granted') {
      await releaseConsentParked(this.deps.db, this.deps.bus, c.personPseudonym);
      return;
    }
    const reason = `sick-leave transmission consent ${c.status} (${c.consentId})`;
    const out: Outgoing = { deliveries: [], retractions: [] };
    await this.deps.db.transaction(async (tx) => {
      const gone = await pullBackSickLeaveItems(tx, c.personPseudonym, { reasonCode: c.status === 'refused' ? 'consent-refused' : 'consent-withdrawn', reason });
      change.pulledBack.push(...gone.map((g) => ({ deliveryId: g.itemId, partnerId: g.partnerId })));
      await this.deps.audit.append(
        gone.map((g) => ({
          action: 'pulled-back',
          subjectType: 'sick-leave',
          subjectId: g.episodeId,
          personPseudonym: c.personPseudonym,
          partnerId: g.partnerId,
          category: c.recipientCategory,
          consentId: c.consentId,
          actor,
          detail: { itemId: g.itemId, reason },
        })),
        tx,
      );
      for (const g of gone) {
        const delivery = this.retraction(g.itemId, g.partnerId, caseIdOf(c.personPseudonym), c, reason);
        out.retractions.push({ delivery, fhirEndpoint: null, retractedId: g.itemId, reason });
      }
      // The sick-leave alerts' FHIR Tasks are the push outbox's to cancel.
      await pushRetracted(
        tx,
        out.retractions.map((r) => r.delivery),
        { fhir: true },
      );
    });
    await this.deps.writer.publish(out);
  }

  /** Undelivered items of that purpose and category leave the inbox; the FHIR Task is cancelled. */
  private async pullBack(c: ConsentRecord, actor: string): Promise<{ pulledBack: ConsentChange['pulledBack']; retracted: ConsentChange['retracted']; out: Outgoing }> {
    const reason = `${c.purpose} consent for ${c.recipientCategory} ${c.status} (${c.consentId})`;
    const out: Outgoing = { deliveries: [], retractions: [] };
    const pulledBack: ConsentChange['pulledBack'] = [];
    const retracted: ConsentChange['retracted'] = [];
    await this.deps.db.transaction(async (tx) => {
      const irdpOnly = c.purpose === 'irdp-sharing';
      const rows = await this.deliveries.deliveredUnderConsent(tx, c.personPseudonym, c.recipientCategory, irdpOnly);
      const audit: AuditEntry[] = [];
      const pending = rows.filter((r) => r.inbox_status !== 'acknowledged');
      if (pending.length) {
        const ids = pending.map((r) => r.delivery_id);
        await this.deliveries.removeInboxItems(tx, ids);
        // An IRDP withdrawal marks them withheld so that the re-decision delivers them without it.
        await this.deliveries.markWithdrawn(tx, ids, irdpOnly ? 'withheld' : 'pulled-back', reason);
      }
      for (const r of rows) {
        const unread = r.inbox_status !== 'acknowledged';
        (unread ? pulledBack : retracted).push({ deliveryId: r.delivery_id, partnerId: r.partner_id });
        audit.push({
          action: unread ? 'pulled-back' : 'retraction-sent',
          subjectType: r.subject_type,
          subjectId: r.subject_id,
          caseId: r.case_id,
          personPseudonym: c.personPseudonym,
          partnerId: r.partner_id,
          category: c.recipientCategory,
          consentId: c.consentId,
          actor,
          detail: { deliveryId: r.delivery_id, reason },
        });
        const delivery = this.retraction(r.delivery_id, r.partner_id, r.case_id, c, reason);
        out.retractions.push({ delivery, fhirEndpoint: r.fhir_endpoint, retractedId: r.delivery_id, reason });
      }
      await pushRetracted(
        tx,
        out.retractions.map((r) => r.delivery),
        { fhir: false },
      );
      await this.deps.audit.append(audit, tx);
    });
    return { pulledBack, retracted, out };
  }

  /** The notice that withdraws an item already sent on the partner's topic (and FHIR endpoint). */
  private retraction(deliveryId: string, partnerId: string, caseId: string, c: ConsentRecord, reason: string): ReferralDelivery {
    const retraction = { deliveryId, reason };
    return {
      schemaVersion: 'referral-delivery/1',
      deliveryId: `${deliveryId}:retraction`,
      idempotencyKey: idempotencyKey(`${deliveryId}:retraction`, retraction),
      partnerId,
      itemType: 'retraction',
      caseId,
      personPseudonym: c.personPseudonym,
      legalBasis: 'consent',
      consentId: c.consentId,
      retraction,
      rulesVersion: '-',
      deliveredAt: this.deps.clock().toISOString(),
    };
  }

  /** Re-decides the withheld referrals of a person (consent may now allow them). */
  async redecide(person: string, actor: string): Promise<Outgoing> {
    const withheld = await this.signalements.withheldForConsent(person);
    const out: Outgoing = { deliveries: [], retractions: [] };
    if (withheld.length === 0) return out;
    const partners = await this.deps.partners.list();
    for (const referral of withheld) {
      const o = await this.deps.coordinator.route(referral, partners, { recordConsent: false, actor });
      out.deliveries.push(...o.deliveries);
    }
    return out;
  }
}
