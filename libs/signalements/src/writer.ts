import { Logger } from '@nestjs/common';
import { inboxTopic } from '@pdp/contracts';
import { ReferralDelivery } from '@pdp/contracts';
import { jsonMessage, MessageBus, OutgoingMessage } from '@pdp/bus';
import { Database, Sql } from '@pdp/db';
import { AuditEntry, AuditTrail } from '@pdp/audit';
import { FhirDeliveryChannel } from '@pdp/fhir';
import { Decision } from './plan';

export interface WriterDeps {
  db: Database;
  bus: MessageBus;
  audit: AuditTrail;
  fhir: FhirDeliveryChannel;
  partitions: number;
}

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

  constructor(private readonly deps: WriterDeps) {}

  async commit(tx: Sql, decisions: Decision[], actor: string, extraAudit: AuditEntry[] = []): Promise<Outgoing> {
    const out: Outgoing = { deliveries: [], retractions: [] };
    const ids = decisions.map((d) => d.decisionId);
    const existing = new Map(
      (
        await tx.query<{ delivery_id: string; status: string; reason_code: string }>('SELECT delivery_id, status, reason_code FROM coordination_deliveries WHERE delivery_id = ANY($1::text[])', [ids])
      ).rows.map((r) => [r.delivery_id, r]),
    );
    const changed = decisions.filter((d) => {
      const prev = existing.get(d.decisionId);
      return !prev || (prev.status === 'withheld' && (d.status === 'delivered' || prev.reason_code !== d.reasonCode));
    });
    const audit: AuditEntry[] = [...extraAudit];
    if (changed.length) {
      const c = <T>(f: (d: Decision) => T) => changed.map(f);
      await tx.query(
        `INSERT INTO coordination_deliveries (delivery_id, subject_type, subject_id, case_id, person_pseudonym, category, partner_id, status, reason_code, reason,
           purpose, legal_basis, consent_id, rule_ids, rules_version, irdp_shared, inbox_item_id, fhir_status)
         SELECT t.a, t.b, t.c, t.d, t.e, t.f, t.g, t.h, t.i, t.j, t.k, t.l, t.m, string_to_array(t.n, ','), t.o, t.p, t.q, t.r
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::boolean[], $17::text[], $18::text[])
             AS t(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r)
         ON CONFLICT (delivery_id) DO UPDATE SET partner_id = excluded.partner_id, status = excluded.status, reason_code = excluded.reason_code, reason = excluded.reason,
           legal_basis = excluded.legal_basis, consent_id = excluded.consent_id, rule_ids = excluded.rule_ids, rules_version = excluded.rules_version,
           irdp_shared = excluded.irdp_shared, inbox_item_id = excluded.inbox_item_id, fhir_status = excluded.fhir_status, updated_at = now()
         WHERE coordination_deliveries.status = 'withheld'`,
        [
          c((d) => d.decisionId),
          c((d) => d.subjectType),
          c((d) => d.subjectId),
          c((d) => d.caseId),
          c((d) => d.personPseudonym),
          c((d) => d.category),
          c((d) => d.partner?.partnerId ?? null),
          c((d) => d.status),
          c((d) => d.reasonCode),
          c((d) => d.reason),
          c((d) => d.purpose ?? null),
          c((d) => d.legalBasis ?? null),
          c((d) => d.consentId ?? null),
          c((d) => d.ruleIds.join(',')),
          c((d) => d.rulesVersion),
          c((d) => d.irdpShared),
          c((d) => (d.status === 'delivered' ? d.decisionId : null)),
          c((d) => (d.status === 'delivered' && d.partner?.fhirEndpoint ? 'pending' : null)),
        ],
      );
    }
    const delivered = changed.filter((d) => d.status === 'delivered' && d.delivery && d.partner);
    if (delivered.length) {
      const c = <T>(f: (d: Decision) => T) => delivered.map(f);
      await tx.query(
        `INSERT INTO inbox_items (item_id, partner_id, episode_id, item_type, version, idempotency_key, legal_basis, payload, status)
         SELECT t.a, t.b, t.c, t.d, 1, t.e, t.f, t.g, 'new' FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[]) AS t(a, b, c, d, e, f, g)
         ON CONFLICT DO NOTHING`,
        [
          c((d) => d.decisionId),
          c((d) => d.partner!.partnerId),
          c((d) => d.subjectId),
          c((d) => d.subjectType),
          c((d) => d.delivery!.idempotencyKey),
          c((d) => d.legalBasis!),
          c((d) => JSON.stringify(d.delivery)),
        ],
      );
    }
    for (const d of changed) {
      const released = existing.get(d.decisionId)?.status === 'withheld' && d.status === 'delivered';
      audit.push({
        action: d.status === 'withheld' ? 'withheld' : released ? 'released' : 'delivered',
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
    for (const d of all) {
      // Pushed, not copied: a whole batch's deliveries now go through here at once.
      const list = byPartner.get(d.partnerId) ?? [];
      list.push(jsonMessage(d.personPseudonym, d, { 'idempotency-key': d.idempotencyKey }));
      byPartner.set(d.partnerId, list);
    }
    await this.deps.bus.ensureTopics([...byPartner.keys()].map((p) => ({ topic: inboxTopic(p), partitions: this.deps.partitions })));
    await this.deps.bus.publishMany([...byPartner].map(([partnerId, messages]) => ({ topic: inboxTopic(partnerId), messages })));
    await this.deps.db.query('UPDATE inbox_items SET published_version = version WHERE item_id = ANY($1::text[])', [list.flatMap((o) => o.deliveries.map((d) => d.delivery.deliveryId))]);
    for (const o of list) await this.pushFhir(o);
  }

  /** Ops: pushes again the FHIR copies still pending or failed (endpoint down, since fixed). */
  async retryFhir(limit = 500): Promise<{ retried: number; delivered: number }> {
    const { rows } = await this.deps.db.query<{
      payload: ReferralDelivery;
      fhir_endpoint: string | null;
      subject_type: Decision['subjectType'];
      subject_id: string;
      case_id: string;
      person_pseudonym: string;
      category: string;
    }>(
      `SELECT i.payload, p.fhir_endpoint, d.subject_type, d.subject_id, d.case_id, d.person_pseudonym, d.category
         FROM coordination_deliveries d JOIN inbox_items i ON i.item_id = d.inbox_item_id JOIN partners p ON p.partner_id = d.partner_id
        WHERE d.status = 'delivered' AND d.fhir_status IN ('pending', 'failed') AND p.fhir_endpoint IS NOT NULL
        ORDER BY d.updated_at LIMIT $1`,
      [limit],
    );
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
    const done = await this.deps.db.query<{ n: string }>("SELECT count(*) AS n FROM coordination_deliveries WHERE delivery_id = ANY($1::text[]) AND fhir_status = 'delivered'", [
      rows.map((r) => r.payload.deliveryId),
    ]);
    return { retried: rows.length, delivered: Number(done.rows[0].n) };
  }

  private async pushFhir(out: Outgoing): Promise<void> {
    const audit: AuditEntry[] = [];
    const results: { id: string; status: 'delivered' | 'failed' | 'cancelled'; task: string | null }[] = [];
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
        const r = await this.deps.fhir.deliver(fhirEndpoint, delivery);
        results.push({ id: delivery.deliveryId, status: 'delivered', task: r.taskReference });
        audit.push({ ...base, action: 'fhir-delivered', detail: { deliveryId: delivery.deliveryId, task: r.taskReference } });
      } catch (e) {
        // Kafka and the HTTP inbox have it; the FHIR copy stays 'failed' for ops to retry.
        this.logger.warn(`FHIR delivery ${delivery.deliveryId} to ${delivery.partnerId} failed: ${(e as Error).message}`);
        results.push({ id: delivery.deliveryId, status: 'failed', task: null });
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
      await this.deps.db.query(
        `UPDATE coordination_deliveries c SET fhir_status = t.s, fhir_task = coalesce(t.k, c.fhir_task), updated_at = now()
           FROM unnest($1::text[], $2::text[], $3::text[]) AS t(i, s, k) WHERE c.delivery_id = t.i`,
        [results.map((r) => r.id), results.map((r) => r.status), results.map((r) => r.task)],
      );
    }
    await this.deps.audit.append(audit);
  }
}

/** Which fields a recipient received (the audit says what, never the values). */
function fieldsOf(d: ReferralDelivery): string[] {
  const part = d.referral ?? d.report ?? {};
  return Object.keys(part).sort();
}
