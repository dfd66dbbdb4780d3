/* Generated from contracts/schemas/consent-statement.v1.schema.json by scripts/gen-types.js. Do not edit. */

import type { IsoDateTime, PartnerCategory, Worker } from './common.v1';

/**
 * A partner records the worker's consent decision for one purpose and recipient category (POST /v1/consents), version 1. The NIR/INS is replaced by the person pseudonym on entry; a withdrawal stops later deliveries and pulls back undelivered items of that purpose.
 */
export interface ConsentStatement {
  schemaVersion: 'consent-statement/1';
  worker: Worker;
  /**
   * sick-leave-transmission: the insurer's transmission of a leave to the SPSTI in the transitional phase; orientation: a referral to the recipient category; irdp-sharing: the IRDP may travel with it.
   */
  purpose: 'sick-leave-transmission' | 'orientation' | 'irdp-sharing';
  recipientCategory: PartnerCategory;
  status: 'granted' | 'refused' | 'withdrawn';
  effectiveAt: IsoDateTime;
  collectedBy?: string;
  /**
   * Reference of the signed form or recorded statement kept by the partner.
   */
  evidenceRef?: string;
}
