/* Generated from contracts/schemas/parked-case.v1.schema.json by scripts/gen-types.js. Do not edit. */

import type { IsoDateTime } from './common.v1';
import type { CaseEvent } from './case-event.v1';

/**
 * A case event that cannot be routed yet (e.g. employer unknown to the adhesion directory), version 1. Released automatically when the cause is fixed.
 */
export interface ParkedCase {
  schemaVersion: 'parked-case/1';
  parkedId: string;
  /**
   * employer-unknown: no SPSTI adhesion for the employer; consent-*: transitional phase, the person's consent to the transmission is no longer in force.
   */
  reasonCode: 'employer-unknown' | 'consent-refused' | 'consent-withdrawn';
  reason: string;
  caseEvent: CaseEvent;
  parkedAt: IsoDateTime;
}
