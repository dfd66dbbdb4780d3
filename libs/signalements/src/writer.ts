import { hubMetrics } from '@pdp/observability';
import { Logger } from '@nestjs/common';
import { inboxTopic } from '@pdp/contracts';
import { ReferralDelivery } from '@pdp/contracts';
import { MessageBus, OutgoingMessage } from '@pdp/bus';
import { Database, Sql } from '@pdp/db';
import { AuditEntry, AuditTrail } from '@pdp/audit';
import { IdentityVault } from '@pdp/identity';
import { PartnerCategory, PartnerIdentitySealer, withWorkerJwe } from '@pdp/partners';
import { FhirDeliveryChannel } from '@pdp/fhir';
import { pushDelivered } from '@pdp/push';
import { DeliveryStore, FhirResult, FhirRetryPolicy, PendingFhirCopy } from './delivery.store';
import { Decision } from './plan';

export interface WriterDeps {
  db: Database;
  bus: MessageBus;
  audit: AuditTrail;
  fhir: FhirDeliveryChannel;
  partitions: number;
  /** The identities of the workers, sent to a FHIR endpoint entitled to them as a Patient. */
  identities: IdentityVault;
  /** Seals the worker's identity for the partners with a registered key (their topic records carry it as workerJwe). */
  identitySealer?: PartnerIdentitySealer;
  /** When a FHIR copy whose endpoint failed is pushed again. */
  fhirRetry: FhirRetryPolicy;
}

/** How long a due FHIR copy stays claimed by the process pushing it. */
const FHIR_CLAIM_MS = 120_000;

/** What has to leave the hub once the decisions are committed. */
export interface Outgoing {
  deliveries: { decision: Decision; delivery: ReferralDelivery; fhirEndpoint?: string | null }[];
  retractions: { delivery: ReferralDelivery; fhirEndpoint?: string | null; retractedId: string; reason: string }[];
}

/**
 * Persists routing decisions (durable inbox, decisions table, audit trail) in the caller's
 * transaction, then publishes after commit: Kafka inbox topics and partners' FHIR endpoints.
 * A decision already taken is not taken again, except a withheld one, which may be released.
 */
export class DeliveryWriter {
  private readonly logger = new Logger('Signalements');
  private readonly deliveries: DeliveryStore;
  readonly fhirRetry: FhirRetryPolicy;

  constructor(private readonly deps: WriterDeps) {
    this.fhirRetry = deps.fhirRetry;
    this.deliveries = new DeliveryStore(deps.db, deps.fhirRetry);
  }

  async commit(tx: Sql, decisions: Decision[], actor: string, extraAudit: AuditEntry[] = []): Promise<Outgoing> {
    const out: Outgoing = { deliveries: [], retractions: [] };
    const existing = await this.deliveries.taken(
      tx,
      decisions.map((d) => d.decisionId),
    );
    const changed = decisions.filter((d) => {
      const prev = existing.get(d.decisionId);
      return !prev || (prev.status === 'withheld' && (d.status === 'delivered' || prev.reason_code !== d.reasonCode));
    });
    // A delivered item whose content changed (a correction) is updated where it went.
    const corrected = decisions.filter((d) => {
      const prev = existing.get(d.decisionId);
      return prev?.status === 'delivered' && d.status === 'delivered' && d.delivery && prev.idempotency_key !== null && prev.idempotency_key !== d.delivery.idempotencyKey;
    });
    const audit: AuditEntry[] = [...extraAudit];
    if (changed.length) await this.deliveries.save(tx, changed);
    const delivered = changed.filter((d) => d.status === 'delivered' && d.delivery && d.partner);
    if (delivered.length) await this.deliveries.addInboxItems(tx, delivered);
    const versions = corrected.length ? await this.deliveries.correct(tx, corrected) : new Map<string, number>();
    // New and corrected items, for the partners' webhooks, in one statement.
    await pushDelivered(
      tx,
      [...delivered, ...corrected].map((d) => ({ partnerId: d.partner!.partnerId, itemId: d.decisionId, version: versions.get(d.decisionId) ?? 1, person: d.personPseudonym })),
      { fhir: false },
    );
    for (const d of [...changed, ...corrected]) {
      const released = existing.get(d.decisionId)?.status === 'withheld' && d.status === 'delivered';
      const correction = corrected.includes(d);
      audit.push({
        action: d.status === 'withheld' ? 'withheld' : correction ? 'corrected' : released ? 'released' : 'delivered',
        subjectType: d.subjectType,
        subjectId: d.subjectId,
        caseId: d.caseId,
        personPseudonym: d.personPseudonym,
        partnerId: d.partner?.partnerId ?? null,
        category: d.category,
        legalBasis: d.legalBasis ?? null,
        consentId: d.consentId ?? null,
        ruleId: d.ruleIds[0] ?? null,
        rulesVersion: d.rulesVersion,
        actor,
        detail: { ruleIds: d.ruleIds, reason: d.reason, reasonCode: d.reasonCode, irdpShared: d.irdpShared, deliveryId: d.decisionId, fields: d.delivery ? fieldsOf(d.delivery) : [] },
      });
      if (d.status === 'delivered' && d.delivery) out.deliveries.push({ decision: d, delivery: d.delivery, fhirEndpoint: d.partner?.fhirEndpoint });
    }
    await this.deps.audit.append(audit, tx);
    return out;
  }

  /** After commit: Kafka first (the durable inbox already holds the item), then FHIR. */
  /**
   * Publishes what a batch's committed decisions send out: one produce request for every
   * partner's topic (in the given order, so a partner sees its items in order), one update of
   * the outbox markers, then the FHIR copies.
   */
  async publish(outs: Outgoing | Outgoing[]): Promise<void> {
    const list = Array.isArray(outs) ? outs : [outs];
    // Each decision's deliveries then its retractions, decision after decision: a withdrawal
    // followed by a new consent in one batch must reach the partner in that order.
    const all = list.flatMap((o) => [...o.deliveries.map((d) => d.delivery), ...o.retractions.map((r) => r.delivery)]);
    if (all.length === 0) return;
    const byPartner = new Map<string, OutgoingMessage[]>();
    // A retraction carries no identity; a delivery does, sealed, to a partner with a key.
    const entitled = all.map((d) => (d.itemType === 'retraction' ? undefined : { partnerId: d.partnerId, person: d.personPseudonym }));
    const sealed = this.deps.identitySealer ? await this.deps.identitySealer.sealFor(entitled.filter((e) => e !== undefined)) : [];
    let next = 0;
    for (const [i, d] of all.entries()) {
      // Pushed, not copied: a whole batch's deliveries now go through here at once.
      const list = byPartner.get(d.partnerId) ?? [];
      const jwe = entitled[i] ? sealed[next++] : undefined;
      list.push({ key: d.personPseudonym, value: withWorkerJwe(JSON.stringify(d), jwe), headers: { 'idempotency-key': d.idempotencyKey } });
      byPartner.set(d.partnerId, list);
    }
    await this.deps.bus.ensureTopics([...byPartner.keys()].map((p) => ({ topic: inboxTopic(p), partitions: this.deps.partitions })));
    await this.deps.bus.publishMany([...byPartner].map(([partnerId, messages]) => ({ topic: inboxTopic(partnerId), messages })));
    await this.deliveries.markPublished(list.flatMap((o) => o.deliveries.map((d) => d.delivery.deliveryId)));
    for (const o of list) await this.pushFhir(o);
  }

  /** Ops: pushes again, from a first attempt, the FHIR copies still pending or failed (given up included). */
  async retryFhir(limit = 500): Promise<{ retried: number; delivered: number }> {
    return this.pushAgain(await this.deliveries.pendingFhir(limit));
  }

  /** The hub's own retries: pushes the FHIR copies whose next attempt is due (docs/integrators.md, "FHIR"). */
  async retryDueFhir(limit = 100): Promise<{ retried: number; delivered: number }> {
    return this.pushAgain(await this.deliveries.claimDueFhir(limit, FHIR_CLAIM_MS));
  }

  private async pushAgain(rows: PendingFhirCopy[]): Promise<{ retried: number; delivered: number }> {
    if (rows.length === 0) return { retried: 0, delivered: 0 };
    const out: Outgoing = {
      deliveries: rows.map((r) => ({
        delivery: r.payload,
        fhirEndpoint: r.fhir_endpoint,
        decision: {
          decisionId: r.payload.deliveryId,
          subjectType: r.subject_type,
          subjectId: r.subject_id,
          caseId: r.case_id,
          personPseudonym: r.person_pseudonym,
          category: r.category,
          // What the Task's owner says of the partner: its name and national identifiers.
          partner: { partnerId: r.payload.partnerId, category: r.category as PartnerCategory, name: r.partner_name, departements: [], siret: r.siret, finess: r.finess },
          status: 'delivered',
          reasonCode: 'consent',
          reason: 'retry',
          ruleIds: [],
          rulesVersion: r.payload.rulesVersion,
          irdpShared: false,
        },
      })),
      retractions: [],
    };
    await this.pushFhir(out);
    return { retried: rows.length, delivered: await this.deliveries.countFhirDelivered(rows.map((r) => r.payload.deliveryId)) };
  }

  private async pushFhir(out: Outgoing): Promise<void> {
    const audit: AuditEntry[] = [];
    const results: FhirResult[] = [];
    for (const { delivery, fhirEndpoint, decision } of out.deliveries) {
      if (!fhirEndpoint) continue;
      const base = {
        subjectType: decision.subjectType,
        subjectId: decision.subjectId,
        caseId: decision.caseId,
        personPseudonym: decision.personPseudonym,
        partnerId: delivery.partnerId,
        category: decision.category,
        actor: 'hub',
      } as const;
      try {
        // A delivery is the recipient's on consent or by law: the identity travels with it.
        const worker = (await this.deps.identities.open(delivery.personPseudonym)) ?? undefined;
        // The owner as an FR Core Organization with its SIRET and FINESS.
        const p = decision.partner;
        const r = await this.deps.fhir.deliver(fhirEndpoint, delivery, worker, p ? { partnerId: p.partnerId, name: p.name, siret: p.siret, finess: p.finess } : undefined);
        results.push({ id: delivery.deliveryId, status: 'delivered', task: r.taskReference });
        audit.push({ ...base, action: 'fhir-delivered', detail: { deliveryId: delivery.deliveryId, task: r.taskReference, identity: Boolean(worker) } });
      } catch (e) {
        // Kafka and the HTTP inbox have it; the FHIR copy is 'failed' until a retry takes it.
        this.logger.warn(`FHIR delivery ${delivery.deliveryId} to ${delivery.partnerId} failed: ${(e as Error).message}`);
        results.push({ id: delivery.deliveryId, status: 'failed', task: null });
        hubMetrics.fhirFailures.inc({ partner: delivery.partnerId });
        audit.push({ ...base, action: 'fhir-failed', detail: { deliveryId: delivery.deliveryId, error: (e as Error).message.slice(0, 200) } });
      }
    }
    for (const r of out.retractions) {
      if (!r.fhirEndpoint) continue;
      try {
        if (await this.deps.fhir.cancel(r.fhirEndpoint, r.retractedId, r.reason)) results.push({ id: r.retractedId, status: 'cancelled', task: null });
      } catch (e) {
        this.logger.warn(`FHIR cancellation of ${r.retractedId} failed: ${(e as Error).message}`);
      }
    }
    if (results.length) {
      const { givenUp } = await this.deliveries.recordFhirResults(results);
      for (const id of givenUp) {
        const d = out.deliveries.find((x) => x.delivery.deliveryId === id)!;
        this.logger.warn(`FHIR delivery ${id} to ${d.delivery.partnerId} given up after ${this.deps.fhirRetry.maxAttempts} attempts`);
        hubMetrics.fhirGivenUp.inc({ partner: d.delivery.partnerId });
        audit.push({
          action: 'fhir-given-up',
          subjectType: d.decision.subjectType,
          subjectId: d.decision.subjectId,
          caseId: d.decision.caseId,
          personPseudonym: d.decision.personPseudonym,
          partnerId: d.delivery.partnerId,
          category: d.decision.category,
          actor: 'hub',
          detail: { deliveryId: id, attempts: this.deps.fhirRetry.maxAttempts },
        });
      }
    }
    await this.deps.audit.append(audit);
  }
}

/** Which fields a recipient received (the audit says what, never the values). */
function fieldsOf(d: ReferralDelivery): string[] {
  const part = d.referral ?? d.report ?? {};
  return Object.keys(part).sort();
}
