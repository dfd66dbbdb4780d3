import { Logger } from '@nestjs/common';
import { createHash } from 'crypto';
import { CaseEvent, ContractIds, ContractRegistry, InboxDelivery, inboxTopic, ParkedCase, Topics } from '../../contracts/src';
import { BusMessage, jsonMessage, MessageBus, OutgoingMessage } from '../../bus/src';
import { Database } from '../../db/src';
import { DeadLetterSink, parseJson, Rejection } from './dead-letters';
import { AdhesionDirectory } from './directory';

export interface RouterDeps {
  db: Database;
  bus: MessageBus;
  contracts: ContractRegistry;
  directory: AdhesionDirectory;
  deadLetters: DeadLetterSink;
  partitions: number;
  clock?: () => Date;
}

/**
 * resolve the worker's SPSTI → deliver to its inbox (durable table + Kafka topic), or park the
 * case when the employer is unknown. Idempotent: one inbox item per partner and episode,
 * updated only by a newer episode version; a Kafka delivery is marked once published.
 */
export class CaseRouter {
  private readonly caseEvent;
  private readonly clock: () => Date;
  private readonly logger = new Logger('CaseRouter');

  constructor(private readonly deps: RouterDeps) {
    this.caseEvent = deps.contracts.contract<CaseEvent>(ContractIds.caseEvent);
    this.clock = deps.clock ?? (() => new Date());
  }

  async handleBatch(messages: BusMessage[]): Promise<void> {
    const rejections: Rejection[] = [];
    const parked: ParkedCase[] = [];
    const deliveries: InboxDelivery[] = [];
    for (const m of messages) {
      const parsed = parseJson(m.value);
      const r = parsed.ok ? this.caseEvent.validate(parsed.value) : { ok: false as const, violations: [{ path: '/', message: 'not JSON' }] };
      if (!r.ok) {
        rejections.push({ stage: 'router', sourceTopic: m.topic, sourcePartition: m.partition, sourceOffset: m.offset, reason: 'does not match case-event/1', errors: r.violations, original: m.value });
        continue;
      }
      const event = r.value;
      if (!event.eligible) continue; // kept in episodes with its reason; nothing to deliver
      const spstiId = await this.deps.directory.resolve(event.employerSiret, event.startDate);
      if (!spstiId) parked.push(await this.park(event));
      else {
        const delivery = await this.deliver(spstiId, event);
        if (delivery) deliveries.push(delivery);
      }
    }
    await this.deps.deadLetters.reject(rejections);
    await this.deps.bus.publish(Topics.caseParked, parked.map((p) => jsonMessage(p.caseEvent.personPseudonym, p)));
    await this.publishDeliveries(deliveries);
  }

  private async park(event: CaseEvent): Promise<ParkedCase> {
    const record: ParkedCase = {
      schemaVersion: 'parked-case/1',
      parkedId: event.episodeId,
      reasonCode: 'employer-unknown',
      reason: `employer ${event.employerSiret} has no SPSTI adhesion on ${event.startDate}`,
      caseEvent: event,
      parkedAt: this.clock().toISOString(),
    };
    await this.deps.db.query(
      `INSERT INTO parked_cases (parked_id, episode_id, reason_code, reason, employer_siret, case_event)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (parked_id) DO UPDATE SET case_event = excluded.case_event, reason = excluded.reason,
         employer_siret = excluded.employer_siret, released_at = NULL, parked_at = now()
       WHERE (parked_cases.case_event->>'episodeVersion')::int <= (excluded.case_event->>'episodeVersion')::int`,
      [record.parkedId, event.episodeId, record.reasonCode, record.reason, event.employerSiret, JSON.stringify(event)],
    );
    return record;
  }

  /** Returns the delivery to publish, or null when this version is already published. */
  private async deliver(partnerId: string, event: CaseEvent): Promise<InboxDelivery | null> {
    const itemId = inboxItemId(partnerId, event.episodeId);
    const delivery: InboxDelivery = {
      schemaVersion: 'inbox-delivery/1',
      deliveryId: itemId,
      idempotencyKey: `${itemId}:${event.episodeVersion}`,
      partnerId,
      itemType: 'sick-leave',
      caseEvent: event,
      legalBasis: event.legalBasis,
      deliveredAt: this.clock().toISOString(),
    };
    await this.deps.db.query(
      `INSERT INTO inbox_items (item_id, partner_id, episode_id, item_type, version, idempotency_key, legal_basis, payload, status)
       VALUES ($1, $2, $3, 'sick-leave', $4, $5, $6, $7, 'new')
       ON CONFLICT (partner_id, episode_id) DO UPDATE SET version = excluded.version, idempotency_key = excluded.idempotency_key,
         legal_basis = excluded.legal_basis, payload = excluded.payload, status = 'updated', updated_at = now(), acknowledged_at = NULL
       WHERE inbox_items.version < excluded.version`,
      [itemId, partnerId, event.episodeId, event.episodeVersion, delivery.idempotencyKey, event.legalBasis, JSON.stringify(delivery)],
    );
    const current = await this.deps.db.query<{ version: number; published_version: number | null }>(
      'SELECT version, published_version FROM inbox_items WHERE item_id = $1',
      [itemId],
    );
    const row = current.rows[0];
    // Not yet published at this version (first time, or a crash before publishing): publish.
    if (row.version === event.episodeVersion && (row.published_version ?? 0) < row.version) {
      await this.deps.db.query("UPDATE parked_cases SET released_at = coalesce(released_at, now()) WHERE parked_id = $1", [event.episodeId]);
      return delivery;
    }
    return null;
  }

  private async publishDeliveries(deliveries: InboxDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    const byPartner = new Map<string, OutgoingMessage[]>();
    for (const d of deliveries) {
      const list = byPartner.get(d.partnerId) ?? [];
      list.push(jsonMessage(d.caseEvent.personPseudonym, d, { 'idempotency-key': d.idempotencyKey }));
      byPartner.set(d.partnerId, list);
    }
    await this.deps.bus.ensureTopics([...byPartner.keys()].map((p) => ({ topic: inboxTopic(p), partitions: this.deps.partitions })));
    for (const [partnerId, msgs] of byPartner) await this.deps.bus.publish(inboxTopic(partnerId), msgs);
    await this.deps.db.query(
      `UPDATE inbox_items i SET published_version = d.version
         FROM unnest($1::text[], $2::int[]) AS d(item_id, version)
        WHERE i.item_id = d.item_id AND coalesce(i.published_version, 0) < d.version`,
      [deliveries.map((d) => d.deliveryId), deliveries.map((d) => d.caseEvent.episodeVersion)],
    );
    this.logger.debug?.(`delivered ${deliveries.length} inbox items`);
  }
}

export function inboxItemId(partnerId: string, episodeId: string): string {
  return 'itm_' + createHash('sha256').update(`${partnerId}|${episodeId}`).digest('base64url').slice(0, 24);
}
