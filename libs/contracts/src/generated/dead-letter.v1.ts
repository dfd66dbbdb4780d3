/* Generated from contracts/schemas/dead-letter.v1.schema.json by scripts/gen-types.js. Do not edit. */

import type { IsoDateTime } from './common.v1';

/**
 * A rejected message with the reason, the stage and its original bytes, version 1. Published keyed by deadLetterId (never by a person identifier).
 */
export interface DeadLetter {
  schemaVersion: 'dead-letter/1';
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
  originalBytesBase64: string;
  rejectedAt: IsoDateTime;
}
