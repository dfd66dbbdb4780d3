import { shortDigest } from '@pdp/domain';
import { CaseEvent, ContractIds, ContractRegistry, InboxDelivery, inboxTopic, ParkedCase, Topics } from '@pdp/contracts';
import { BusMessage, jsonMessage, MessageBus, OutgoingMessage } from '@pdp/bus';
import { Database, Sql } from '@pdp/db';
import { DeadLetterSink, parseJson, Rejection, rejectionOf } from '@pdp/dead-letters';
import { InboxStore, ParkedCaseStore, SerialisedDelivery } from '@pdp/inbox';
import { AdhesionDirectory, PartnerIdentitySealer, withWorkerJwe, PartnerStore } from '@pdp/partners';
import { ConsentWithholding, sickLeaveConsentWithholdings } from '@pdp/consent';
import { pushDelivered } from '@pdp/push';

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
  /** Seals the worker's identity for the partners with a registered key (their topic records carry it as workerJwe). */
  identitySealer?: PartnerIdentitySealer;
}

/**
 * resolve the worker's SPSTI → deliver to its inbox (durable table + Kafka topic), or park the
 * case when the employer is unknown. Idempotent: one inbox item per partner and episode,
 * updated only by a newer episode version; a Kafka delivery is marked once published.
 */
export class CaseRouter {
  private readonly caseEvent;
  private readonly clock: () => Date;
  private readonly partners: PartnerStore;
  private readonly inbox: InboxStore;
  private readonly parked: ParkedCaseStore;

  constructor(private readonly deps: RouterDeps) {
    this.caseEvent = deps.contracts.contract<CaseEvent>(ContractIds.caseEvent);
    this.clock = deps.clock ?? (() => new Date());
    this.partners = new PartnerStore(deps.db);
    this.inbox = new InboxStore(deps.db);
    this.parked = new ParkedCaseStore(deps.db);
  }

  /** Learns (or creates) every registered partner's inbox topic up front, off the hot path. */
  async warmUp(): Promise<void> {
    const partnerIds = await this.partners.ids();
    await this.deps.bus.ensureTopics(partnerIds.map((id) => ({ topic: inboxTopic(id), partitions: this.deps.partitions })));
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
    await pushDelivered(
      tx,
      delivered.map(({ d }) => ({ partnerId: d.partnerId, itemId: d.deliveryId, version: d.caseEvent.episodeVersion, person: d.caseEvent.personPseudonym })),
      { fhir: true },
    );
    await this.publish(tx, delivered, parked);
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
    await this.parked.park(tx, records);
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
  private async deliver(tx: Sql, deliveries: InboxDelivery[], newEpisodes?: ReadonlySet<string>): Promise<SerialisedDelivery[]> {
    if (deliveries.length === 0) return [];
    // Serialised once, for the database and for Kafka.
    const all = deliveries.map((d) => ({ d, json: JSON.stringify(d) }));
    const isNew = (d: InboxDelivery) => newEpisodes !== undefined && tx.copyIn !== undefined && newEpisodes.has(d.caseEvent.episodeId);
    const fresh = all.filter(({ d }) => isNew(d));
    if (fresh.length > 0) await this.inbox.insertNew(tx, fresh);
    const stored = fresh.length === all.length ? [] : all.filter(({ d }) => !isNew(d));
    return [...fresh, ...(await this.upsert(tx, stored))];
  }

  private async upsert(tx: Sql, items: SerialisedDelivery[]): Promise<SerialisedDelivery[]> {
    if (items.length === 0) return [];
    const changed = await this.inbox.upsertDeliveries(tx, items);
    return items.filter(({ d }) => changed.has(d.deliveryId));
  }

  /** What changed goes to the partners' topics, and the parked cases to theirs, in one produce request. */
  private async publish(tx: Sql, deliveries: SerialisedDelivery[], parked: ParkedCase[]): Promise<void> {
    const byPartner = new Map<string, OutgoingMessage[]>();
    const sealed = this.deps.identitySealer
      ? await this.deps.identitySealer.sealFor(
          deliveries.map(({ d }) => ({ partnerId: d.partnerId, person: d.caseEvent.personPseudonym })),
          tx,
        )
      : [];
    deliveries.forEach(({ d, json }, i) => {
      const list = byPartner.get(d.partnerId) ?? [];
      list.push({ key: d.caseEvent.personPseudonym, value: withWorkerJwe(json, sealed[i]), headers: { 'idempotency-key': d.idempotencyKey } });
      byPartner.set(d.partnerId, list);
    });
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
