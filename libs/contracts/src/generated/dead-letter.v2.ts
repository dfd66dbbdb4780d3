/* Generated from contracts/schemas/dead-letter.v2.schema.json by scripts/gen-types.js. Do not edit. */

import type { IsoDateTime } from './common.v1';

/**
 * A rejected message with the reason, the stage and its original bytes sealed (they may hold a worker's identity), version 2. Published keyed by deadLetterId (never by a person identifier) on a topic whose retention is bounded (docs/operations.md, "Dead letters").
 */
export interface DeadLetter {
  schemaVersion: 'dead-letter/2';
  deadLetterId: string;
  stage: 'gateway' | 'normalizer' | 'router' | 'metrics' | 'coordinator';
  sourceTopic: string;
  sourcePartition?: number;
  sourceOffset?: string;
  /**
   * The sender's messageId when it could be read.
   */
  messageId?: string;
  reason: string;
  errors: {
    path: string;
    message: string;
  }[];
  /**
   * The original bytes, AES-256-GCM with the hub's identity key keyId and the dead-letter id as associated data: 12 bytes of IV, 16 of tag, then the ciphertext, in base64. Only the hub (and whoever holds its keys) opens them.
   */
  original: {
    keyId: string;
    sealedBase64: string;
  };
  rejectedAt: IsoDateTime;
}
