/* Generated from contracts/schemas/webhook-event.v1.schema.json by scripts/gen-types.js. Do not edit. */

import type { IsoDateTime, PartnerId } from './common.v1';
import type { InboxDelivery } from './inbox-delivery.v1';
import type { ReferralDelivery } from './referral-delivery.v1';

/**
 * The body of a webhook call to a partner, version 1 (docs/integrators.md, "Webhooks"). Signed per the Standard Webhooks specification: headers webhook-id (the eventId, the same on every attempt: deduplicate on it), webhook-timestamp and webhook-signature (v1, HMAC-SHA256 with the partner's whsec_ secret). `data.delivery` is exactly the record the partner's Kafka topic carries.
 */
export interface WebhookEvent {
  schemaVersion: 'webhook-event/1';
  /**
   * inbox.item.delivered: an item is in the partner's inbox, new or in a newer version (data.version); inbox.item.retracted: an item delivered earlier is withdrawn (consent withdrawn or refused, person erased): forget it, data.delivery.retraction says which and why.
   */
  type: 'inbox.item.delivered' | 'inbox.item.retracted';
  timestamp: IsoDateTime;
  data: {
    /**
     * Also the webhook-id header: one id per event, the same on every attempt and replay.
     */
    eventId: string;
    partnerId: PartnerId;
    /**
     * The inbox item (GET /v1/inbox/{itemId}); for a retraction, the item withdrawn.
     */
    itemId: string;
    /**
     * inbox.item.delivered: the item's version. Calls about one item come in order, each after the previous one reached a terminal state; calls about different items may cross.
     */
    version?: number;
    delivery: InboxDelivery | ReferralDelivery;
  };
}
