/* Generated from contracts/schemas/signalement.v1.schema.json by scripts/gen-types.js. Do not edit. */

import type { Employer, IsoDateTime, Measure, PartnerCategory, PartnerId, PyramideLevel, SignalementReason, Urgency, Worker } from './common.v1';
import type { IsoDate1 } from './follow-up.v1';

/**
 * Fiche de signalement unique: a referral (orientation) of a worker from one PDP partner to another (SPSTI, service social, Cap emploi, Fastt, France Travail…), version 1. The NIR/INS is replaced by a pseudonym on entry.
 */
export interface Signalement {
  schemaVersion: 'signalement/1';
  messageId: string;
  /**
   * Sender's id of the referral; a re-sent referral keeps it.
   */
  signalementId: string;
  sender: {
    partnerId: PartnerId;
    /**
     * Role of the referring professional (médecin du travail, IDEST, assistante sociale…).
     */
    professional?: string;
  };
  /**
   * Intended recipient: a partner, or a category resolved by the hub from the worker's territory.
   */
  recipient: {
    partnerId?: PartnerId;
    category?: PartnerCategory;
  };
  worker: Worker;
  employer?: Employer;
  date: IsoDate1;
  reason: SignalementReason;
  reasonDetail?: string;
  pyramide?: PyramideLevel;
  /**
   * IRDP risk index 0-3 (sensitive health data: never forwarded to an employer-facing recipient).
   */
  irdp?: number;
  requestedMeasures: Measure[];
  /**
   * The worker has (or applies for) a reconnaissance de la qualité de travailleur handicapé.
   */
  rqth?: boolean;
  urgency: Urgency;
  /**
   * The worker's agreement to this orientation ("si l'assuré en est d'accord").
   */
  consent: {
    granted: boolean;
    collectedAt: IsoDateTime;
    collectedBy?: string;
    evidenceRef?: string;
    /**
     * Recipient categories the worker agreed to be oriented to; defaults to the intended recipient's category. Recipients added by the routing rules need their own consent (here or in the consent registry).
     *
     * @minItems 1
     */
    categories?: [PartnerCategory, ...PartnerCategory[]];
    /**
     * The worker also agrees that the IRDP be shared with those recipients (only categories the routing rules allow ever receive it).
     */
    irdpSharing?: boolean;
  };
  sentAt: IsoDateTime;
}
