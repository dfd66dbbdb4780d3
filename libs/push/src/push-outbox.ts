import { randomUUID } from 'node:crypto';
import { caseIdOf } from '@pdp/domain';
import type { InboxDelivery, ReferralDelivery } from '@pdp/contracts';
import { rekeyColumns, Sql } from '@pdp/db';
import { enqueuePushEvents } from './push.store';

/** An inbox item as it changed: its id, version and the person it is about. */
export interface ChangedItem {
  partnerId: string;
  itemId: string;
  version: number;
  person: string;
}

/**
 * Items now in partners' inboxes, new or in a newer version: called by the flows in the
 * transaction that writes them, so that a partner's own system is pushed every change
 * (docs/integrators.md, "Webhooks"): its webhook, and its FHIR endpoint when `fhir` (the
 * sick-leave alerts; the coordination flows push their FHIR copies themselves). The event holds
 * no copy: the dispatcher reads the item when it sends, and an item changed meanwhile goes out
 * once, in its latest version.
 */
export async function pushDelivered(tx: Sql, items: readonly ChangedItem[], channels: { fhir: boolean }): Promise<void> {
  await enqueuePushEvents(
    tx,
    items.map((i) => ({ ids: ids(), fhir: channels.fhir, partnerId: i.partnerId, type: 'inbox.item.delivered', itemId: i.itemId, version: i.version, person: i.person })),
  );
}

/** Retraction notices (referral-delivery/1, itemType retraction), kept whole: the item they withdraw may be gone. */
export async function pushRetracted(tx: Sql, notices: readonly ReferralDelivery[], channels: { fhir: boolean }): Promise<void> {
  await enqueuePushEvents(
    tx,
    notices.map((n) => ({
      ids: ids(),
      fhir: channels.fhir,
      partnerId: n.partnerId,
      type: 'inbox.item.retracted',
      itemId: n.retraction!.deliveryId,
      version: null,
      person: n.personPseudonym,
      notice: n,
    })),
  );
}

/**
 * An event's ids, one per channel: random, since the outbox is written once per change, in the
 * transaction that makes it (a batch consumed again after a crash had written nothing), and the
 * same item may leave and come back in the same version (a consent withdrawn, then given again).
 */
function ids(): { webhook: string; fhir: string } {
  const id = () => `evt_${randomUUID().replaceAll('-', '')}`;
  return { webhook: id(), fhir: id() };
}

/** The person an inbox delivery is about, as the dispatcher seals her identity for the partner. */
export function personOf(delivery: InboxDelivery | ReferralDelivery): string {
  return 'caseEvent' in delivery ? delivery.caseEvent.personPseudonym : delivery.personPseudonym;
}

/** Forgets a person's push events, in the erasure's transaction; returns how many. */
export async function erasePushEvents(tx: Sql, person: string): Promise<number> {
  return (await tx.query('DELETE FROM push_deliveries WHERE person_pseudonym = $1', [person])).rowCount;
}

/** An item of a person's, as an erasure finds it before it removes it. */
export interface ErasedItem {
  itemId: string;
  partnerId: string;
  legalBasis: string;
}

/** The person's inbox items, whatever the flow (sick-leave alerts and coordination items), before her erasure removes them. */
export async function itemsOfPerson(tx: Sql, person: string): Promise<ErasedItem[]> {
  const { rows } = await tx.query<{ item_id: string; partner_id: string; legal_basis: string }>(
    `SELECT item_id, partner_id, legal_basis FROM inbox_items WHERE episode_id IN (SELECT episode_id FROM episodes WHERE person_pseudonym = $1)
     UNION SELECT i.item_id, i.partner_id, i.legal_basis FROM coordination_deliveries d JOIN inbox_items i ON i.item_id = d.inbox_item_id WHERE d.person_pseudonym = $1`,
    [person],
  );
  return rows.map((r) => ({ itemId: r.item_id, partnerId: r.partner_id, legalBasis: r.legal_basis }));
}

/**
 * The erasure's pull-back on the push channels: a retraction notice per item to the partner's
 * webhook, and its FHIR Task cancelled (every flow's Task: a retraction only cancels). The events
 * name no person in their columns, so the erasure leaves no row of hers; their notice does
 * until it is delivered (as the tombstone on her Kafka topics carries her pseudonym as its key).
 */
export async function pushErased(tx: Sql, person: string, items: readonly ErasedItem[], at: Date): Promise<void> {
  const reason = 'the person was erased';
  const notices: ReferralDelivery[] = items.map((i) => ({
    schemaVersion: 'referral-delivery/1',
    deliveryId: `${i.itemId}:erasure`,
    idempotencyKey: `${i.itemId}:erasure`,
    partnerId: i.partnerId,
    itemType: 'retraction',
    caseId: caseIdOf(person),
    personPseudonym: person,
    legalBasis: i.legalBasis === 'legal-obligation-L4622-2-1' ? 'legal-obligation-L4622-2-1' : 'consent',
    retraction: { deliveryId: i.itemId, reason },
    rulesVersion: '-',
    deliveredAt: at.toISOString(),
  }));
  await enqueuePushEvents(
    tx,
    notices.map((n) => ({ ids: ids(), fhir: true, partnerId: n.partnerId, type: 'inbox.item.retracted', itemId: n.retraction!.deliveryId, version: null, person: null, notice: n })),
  );
}

/** Re-keys the push events (their person, and the notices that hold her pseudonym) to the new pseudonyms. */
export function rekeyPushEvents(tx: Sql): Promise<number> {
  return rekeyColumns(tx, 'push_deliveries', { person: 'person_pseudonym', documents: [{ column: 'notice', type: 'json' }] });
}
