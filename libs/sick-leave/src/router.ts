import { shortDigest } from '@pdp/domain';
import { CaseEvent, ContractIds, ContractRegistry, InboxDelivery, inboxTopic, ParkedCase, Topics } from '@pdp/contracts';
import { BusMessage, jsonMessage, MessageBus, OutgoingMessage } from '@pdp/bus';
import { asRecordset, copyChunks, Database, jsonArray, Sql } from '@pdp/db';
import { DeadLetterSink, parseJson, Rejection, rejectionOf } from '@pdp/dead-letters';
import { AdhesionDirectory } from '@pdp/partners';
import { ConsentWithholding, sickLeaveConsentWithholdings } from '@pdp/consent';

export interface RouterDeps {
  db: Database;
  bus: MessageBus;
  contracts: ContractRegistry;
  directory: AdhesionDirectory;
  deadLetters: DeadLetterSink;
  partitions: number;
  clock?: () => Date;
  /** Audit trail of what was delivered (SickLeaveAudit), called once per batch in its transaction. */
  onDelivered?: (deliveries: InboxDelivery[], tx: Sql) => Promise<void>;
}

/**
 * resolve the worker's SPSTI → deliver to its inbox (durable table + Kafka topic), or park the
 * case when the employer is unknown. Idempotent: one inbox item per partner and episode,
 * updated only by a newer episode version; a Kafka delivery is marked once published.
 */
export class CaseRouter {
  private readonly caseEvent;
  private readonly clock: () => Date;

  constructor(private readonly deps: RouterDeps) {
    this.caseEvent = deps.contracts.contract<CaseEvent>(ContractIds.caseEvent);
    this.clock = deps.clock ?? (() => new Date());
  }

  /** Learns (or creates) every registered partner's inbox topic up front, off the hot path. */
  async warmUp(): Promise<void> {
    const { rows } = await this.deps.db.query<{ partner_id: string }>('SELECT partner_id FROM partners');
    await this.deps.bus.ensureTopics(rows.map((r) => ({ topic: inboxTopic(r.partner_id), partitions: this.deps.partitions })));
  }

  /** Case events from the topic: released parked cases sent back through routing. */
  async handleBatch(messages: BusMessage[]): Promise<void> {
    const rejections: Rejection[] = [];
    const events: CaseEvent[] = [];
    for (const m of messages) {
      // Not eligible: kept in episodes with its reason; nothing to deliver, no need to parse.
      if (m.headers.eligible === 'false') continue;
      const parsed = parseJson(m.value);
      const r = parsed.ok ? this.caseEvent.validate(parsed.value) : { ok: false as const, violations: [{ path: '/', message: 'not JSON' }] };
      if (!r.ok) {
        rejections.push(rejectionOf(m, 'router', 'does not match case-event/1', r.violations));
        continue;
      }
      events.push(r.value);
    }
    await this.deps.deadLetters.reject(rejections);
    await this.route(events);
  }

  /**
   * resolve → consent → deliver or park, for a batch of case events: those the normalizer has
   * just computed (in its own process and transaction, no Kafka hop) and those released from
   * parking. Everything is written in one transaction, and the partners' topics are published
   * before it commits: if Kafka fails the rows roll back and the redelivered batch does it
   * again; a version already committed was published. (A crash after publishing but before the
   * commit re-publishes once; consumers deduplicate on the idempotency key.)
   */
  async route(caseEvents: CaseEvent[], tx?: Sql, newEpisodes?: ReadonlySet<string>): Promise<void> {
    // The latest version of each eligible episode supersedes earlier ones; the others are kept
    // in episodes with their reason and have nothing to deliver.
    const latest = new Map<string, CaseEvent>();
    for (const e of caseEvents) {
      if (e.eligible && (latest.get(e.episodeId)?.episodeVersion ?? 0) <= e.episodeVersion) latest.set(e.episodeId, e);
    }
    const events = [...latest.values()];
    if (events.length === 0) return;
    if (!tx) return this.deps.db.transaction((t) => this.routeIn(t, events));
    return this.routeIn(tx, events, newEpisodes);
  }

  private async routeIn(tx: Sql, events: CaseEvent[], newEpisodes?: ReadonlySet<string>): Promise<void> {
    const spsti = await this.deps.directory.resolveMany(
      events.map((e) => ({ siret: e.employerSiret, onDate: e.startDate })),
      tx,
    );
    const withheld = await sickLeaveConsentWithholdings(tx, events, this.clock());
    const spstiOf = (e: CaseEvent) => spsti.get(`${e.employerSiret}|${e.startDate}`);
    const toPark = events.filter((e) => !spstiOf(e) || withheld.has(e.episodeId));
    const toDeliver = events.filter((e) => spstiOf(e) && !withheld.has(e.episodeId)).map((e) => this.delivery(spstiOf(e)!, e));
    const parked = await this.park(tx, toPark, withheld);
    const delivered = await this.deliver(tx, toDeliver, newEpisodes);
    await this.publish(delivered, parked);
    // The audit trail (and a new case's chef de file) last, right before the commit: a batch
    // from another partition delivering to the same person (their other episode, their
    // employer's declaration) waits on a new case's row until this transaction ends. Written
    // before the publish, ~0.8 of the six batches' sessions were waiting there in a drain (docs/performance.md).
    await this.deps.onDelivered?.(
      delivered.map(({ d }) => d),
      tx,
    );
  }

  /** Parks what cannot be delivered now: unknown employer, or consent no longer in force. */
  private async park(tx: Sql, events: CaseEvent[], withheld: Map<string, ConsentWithholding>): Promise<ParkedCase[]> {
    if (events.length === 0) return [];
    const parkedAt = this.clock().toISOString();
    const records: ParkedCase[] = events.map((event) => ({
      schemaVersion: 'parked-case/1',
      parkedId: event.episodeId,
      ...(withheld.get(event.episodeId) ?? {
        reasonCode: 'employer-unknown',
        reason: `employer ${event.employerSiret} has no SPSTI adhesion on ${event.startDate}`,
      }),
      caseEvent: event,
      parkedAt,
    }));
    await tx.query(
      `INSERT INTO parked_cases (parked_id, episode_id, reason_code, reason, employer_siret, case_event)
       SELECT "parkedId", "caseEvent"->>'episodeId', "reasonCode", reason, "caseEvent"->>'employerSiret', "caseEvent"
         FROM jsonb_to_recordset($1::jsonb) AS x("parkedId" text, "reasonCode" text, reason text, "caseEvent" jsonb)
       ON CONFLICT (parked_id) DO UPDATE SET case_event = excluded.case_event, reason = excluded.reason, reason_code = excluded.reason_code,
         employer_siret = excluded.employer_siret, released_at = NULL, parked_at = now()
       WHERE (parked_cases.case_event->>'episodeVersion')::int <= (excluded.case_event->>'episodeVersion')::int`,
      [asRecordset(records as unknown as Record<string, unknown>[])],
    );
    return records;
  }

  private delivery(partnerId: string, event: CaseEvent): InboxDelivery {
    const itemId = inboxItemId(partnerId, event.episodeId);
    return {
      schemaVersion: 'inbox-delivery/1',
      deliveryId: itemId,
      idempotencyKey: `${itemId}:${event.episodeVersion}`,
      partnerId,
      itemType: 'sick-leave',
      caseEvent: event,
      legalBasis: event.legalBasis,
      deliveredAt: this.clock().toISOString(),
    };
  }

  /**
   * Upserts the inbox items (a newer episode version updates the item); returns those that
   * changed. Items of `newEpisodes` (episodes the database did not have: no item can exist) go
   * in with COPY where the database has it, without the upsert's probe and JSON records.
   */
  private async deliver(tx: Sql, deliveries: InboxDelivery[], newEpisodes?: ReadonlySet<string>): Promise<{ d: InboxDelivery; json: string }[]> {
    if (deliveries.length === 0) return [];
    // Serialised once, for the database and for Kafka.
    const all = deliveries.map((d) => ({ d, json: JSON.stringify(d) }));
    const isNew = (d: InboxDelivery) => newEpisodes !== undefined && tx.copyIn !== undefined && newEpisodes.has(d.caseEvent.episodeId);
    const fresh = all.filter(({ d }) => isNew(d));
    if (fresh.length > 0) {
      await tx.copyIn!(
        'COPY inbox_items (item_id, partner_id, episode_id, item_type, version, idempotency_key, legal_basis, payload, status, published_version) FROM STDIN',
        copyChunks(fresh, ({ d, json }) => [
          d.deliveryId,
          d.partnerId,
          d.caseEvent.episodeId,
          d.itemType,
          d.caseEvent.episodeVersion,
          d.idempotencyKey,
          d.legalBasis,
          json,
          'new',
          d.caseEvent.episodeVersion,
        ]),
      );
    }
    const stored = fresh.length === all.length ? [] : all.filter(({ d }) => !isNew(d));
    return [...fresh, ...(await this.upsert(tx, stored))];
  }

  private async upsert(tx: Sql, items: { d: InboxDelivery; json: string }[]): Promise<{ d: InboxDelivery; json: string }[]> {
    if (items.length === 0) return [];
    const deliveries = items.map((x) => x.d);
    const json = items.map((x) => x.json);
    // One json record per item, its columns beside the delivery: PostgreSQL reads the parameter
    // once and keeps the delivery's text as it is (the payload column is json, migration 009).
    const records = deliveries.map(
      (d, i) =>
        `{"i":${JSON.stringify(d.deliveryId)},"p":${JSON.stringify(d.partnerId)},"e":${JSON.stringify(d.caseEvent.episodeId)},"t":${JSON.stringify(d.itemType)},"v":${d.caseEvent.episodeVersion},"k":${JSON.stringify(d.idempotencyKey)},"l":${JSON.stringify(d.legalBasis)},"d":${json[i]}}`,
    );
    const { rows } = await tx.query<{ item_id: string }>(
      `WITH up AS (
         INSERT INTO inbox_items (item_id, partner_id, episode_id, item_type, version, idempotency_key, legal_basis, payload, status, published_version)
         SELECT i, p, e, t, v, k, l, d, 'new', v
           FROM json_to_recordset($1::json) AS x(i text, p text, e text, t text, v int, k text, l text, d json)
         ON CONFLICT (item_id) DO UPDATE SET version = excluded.version, idempotency_key = excluded.idempotency_key,
           legal_basis = excluded.legal_basis, payload = excluded.payload, status = 'updated', updated_at = now(),
           acknowledged_at = NULL, published_version = excluded.version
         WHERE inbox_items.version < excluded.version
         RETURNING item_id, episode_id),
       released AS (
         UPDATE parked_cases SET released_at = now() WHERE released_at IS NULL AND parked_id IN (SELECT episode_id FROM up))
       SELECT item_id FROM up`,
      [jsonArray(records)],
    );
    const changed = new Set(rows.map((r) => r.item_id));
    return deliveries.map((d, i) => ({ d, json: json[i] })).filter(({ d }) => changed.has(d.deliveryId));
  }

  /** What changed goes to the partners' topics, and the parked cases to theirs, in one produce request. */
  private async publish(deliveries: { d: InboxDelivery; json: string }[], parked: ParkedCase[]): Promise<void> {
    const byPartner = new Map<string, OutgoingMessage[]>();
    for (const { d, json } of deliveries) {
      const list = byPartner.get(d.partnerId) ?? [];
      list.push({ key: d.caseEvent.personPseudonym, value: json, headers: { 'idempotency-key': d.idempotencyKey } });
      byPartner.set(d.partnerId, list);
    }
    await this.deps.bus.ensureTopics([...byPartner.keys()].map((p) => ({ topic: inboxTopic(p), partitions: this.deps.partitions })));
    await this.deps.bus.publishMany([
      ...[...byPartner].map(([partnerId, messages]) => ({ topic: inboxTopic(partnerId), messages })),
      { topic: Topics.caseParked, messages: parked.map((p) => jsonMessage(p.caseEvent.personPseudonym, p)) },
    ]);
  }
}

export function inboxItemId(partnerId: string, episodeId: string): string {
  return 'itm_' + shortDigest(`${partnerId}|${episodeId}`, 24);
}
