/* Generated from contracts/schemas/sick-leave-notification.v1.schema.json by scripts/gen-types.js. Do not edit. */

import type { ConsentRecord, Employer, IsoDate, IsoDateTime, LeaveNature, Worker } from './common.v1';

/**
 * Avis d'arrêt de travail (initial or prolongation) transmitted by Assurance Maladie to the hub, version 1.
 */
export interface SickLeaveNotification {
  schemaVersion: 'sick-leave-notification/1';
  /**
   * Sender's unique id of this message.
   */
  messageId: string;
  /**
   * Insurer's id of this avis d'arrêt.
   */
  leaveId: string;
  kind: 'initial' | 'prolongation';
  /**
   * For a prolongation: the leaveId of the initial avis of the episode.
   */
  initialLeaveId?: string;
  worker: Worker;
  employer: Employer;
  startDate: IsoDate;
  expectedEndDate: IsoDate;
  nature: LeaveNature;
  /**
   * Risk of désinsertion professionnelle detected by the service médical.
   */
  pdpRisk: boolean;
  issuingCpam: {
    code: string;
    label?: string;
  };
  consent?: ConsentRecord;
  issuedAt: IsoDateTime;
}
