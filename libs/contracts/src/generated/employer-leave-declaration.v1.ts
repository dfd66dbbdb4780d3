/* Generated from contracts/schemas/employer-leave-declaration.v1.schema.json by scripts/gen-types.js. Do not edit. */

import type { Employer, IsoDate, IsoDateTime, LeaveNature, Worker } from './common.v1';

/**
 * A leave of 30 days or more declared by the employer to its SPSTI through the hub (IGAS recommendation 16), version 1.
 */
export interface EmployerLeaveDeclaration {
  schemaVersion: 'employer-leave-declaration/1';
  messageId: string;
  worker: Worker;
  employer: Employer;
  startDate: IsoDate;
  expectedEndDate: IsoDate;
  nature?: LeaveNature;
  declaredAt: IsoDateTime;
}
