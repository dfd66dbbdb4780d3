/* Generated from contracts/schemas/inbox-delivery.v1.schema.json by scripts/gen-types.js. Do not edit. */

import type { IsoDateTime, PartnerId } from './common.v1';
import type { CaseEvent } from './case-event.v1';

/**
 * An item delivered to a partner's inbox (Kafka topic pdp.inbox.<partnerId>.v1 and the HTTP inbox), version 1. Consumers deduplicate on idempotencyKey.
 */
export interface InboxDelivery {
  schemaVersion: 'inbox-delivery/1';
  /**
   * Id of the inbox item (stable across updates of the same episode).
   */
  deliveryId: string;
  /**
   * partnerId:episodeId:episodeVersion; the same key is never delivered twice with different content.
   */
  idempotencyKey: string;
  partnerId: PartnerId;
  itemType: 'sick-leave';
  caseEvent: CaseEvent;
  legalBasis: string;
  deliveredAt: IsoDateTime;
  /**
   * On the partner's Kafka topic only, when the partner registered a public key (encryptionKey) and the item is one it is entitled to act on: the worker's identity (as GET /v1/inbox/{itemId} gives it in `worker`) as a compact JWE for that key alone (ECDH-ES+A256KW or RSA-OAEP-256, A256GCM, the key's kid in the header). Whoever operates Kafka cannot read it.
   */
  workerJwe?: string;
}
