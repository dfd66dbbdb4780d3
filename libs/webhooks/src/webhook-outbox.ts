import { randomUUID } from 'node:crypto';
import type { InboxDelivery, ReferralDelivery } from '@pdp/contracts';
import type { Sql } from '@pdp/db';
import { enqueueWebhookEvents } from './webhook.store';

/** An inbox item as it changed: its id, version and the person it is about. */
export interface ChangedItem {
  partnerId: string;
  itemId: string;
  version: number;
  person: string;
}

/**
 * Items now in partners' inboxes, new or in a newer version: called by the flows in the
 * transaction that writes them, so that a partner with a webhook is called about every change
 * (docs/integrators.md, "Webhooks"); only the events of partners with a webhook are kept. The
 * event holds no copy: the dispatcher reads the item when it sends, and an item changed
 * meanwhile goes out once, in its latest version.
 */
export async function webhookDelivered(tx: Sql, items: readonly ChangedItem[]): Promise<void> {
  await enqueueWebhookEvents(
    tx,
    items.map((i) => ({ eventId: eventId(), partnerId: i.partnerId, type: 'inbox.item.delivered', itemId: i.itemId, version: i.version, person: i.person })),
  );
}

/** Retraction notices (referral-delivery/1, itemType retraction), kept whole: the item they withdraw may be gone. */
export async function webhookRetracted(tx: Sql, notices: readonly ReferralDelivery[]): Promise<void> {
  await enqueueWebhookEvents(
    tx,
    notices.map((n) => ({ eventId: eventId(), partnerId: n.partnerId, type: 'inbox.item.retracted', itemId: n.retraction!.deliveryId, version: null, person: n.personPseudonym, notice: n })),
  );
}

/**
 * An event's id: random, since the outbox is written once per change, in the transaction that
 * makes it (a batch consumed again after a crash had written nothing), and the same item may
 * leave and come back in the same version (a consent withdrawn, then given again).
 */
function eventId(): string {
  return `evt_${randomUUID().replaceAll('-', '')}`;
}

/** The person an inbox delivery is about, as the dispatcher seals her identity for the partner. */
export function personOf(delivery: InboxDelivery | ReferralDelivery): string {
  return 'caseEvent' in delivery ? delivery.caseEvent.personPseudonym : delivery.personPseudonym;
}

/** Forgets a person's webhook events, in the erasure's transaction; returns how many. */
export async function eraseWebhookEvents(tx: Sql, person: string): Promise<number> {
  return (await tx.query('DELETE FROM webhook_deliveries WHERE person_pseudonym = $1', [person])).rowCount;
}
