/* Generated from contracts/schemas/accompaniment-report.v1.schema.json by scripts/gen-types.js. Do not edit. */

import type { IsoDate, IsoDateTime, Measure, PartnerId, PyramideLevel } from './common.v1';

/**
 * Return flow of art. L.4622-2-1, version 1: the SPSTI's account of the accompaniment it gives to a worker whose sick leave the insurer transmitted. Sent by the SPSTI (Kafka pdp.accompaniment-report.inbound.v1 or POST /v1/accompaniment-reports), routed back to the issuing CPAM and service médical. Refers to the leave by the pseudonymous episodeId of the delivered case event: it carries no NIR and no IRDP. The situation at the end of the accompaniment and later is an outcome report (outcome-report/1), not this message.
 */
export interface AccompanimentReport {
  schemaVersion: 'accompaniment-report/1';
  messageId: string;
  /**
   * Sender's id of the report; a corrected report keeps it.
   */
  reportId: string;
  sender: {
    partnerId: PartnerId;
  };
  /**
   * caseEvent.episodeId of the sick-leave delivery the report answers.
   */
  episodeId: string;
  reportDate: IsoDate;
  /**
   * State of the SPSTI's accompaniment (cellule PDP) at reportDate.
   */
  accompaniment: 'pris-en-charge' | 'en-cours' | 'termine' | 'refus-salarie' | 'injoignable' | 'non-pris-en-charge';
  measures?: {
    measure: Measure;
    status: 'envisagee' | 'en-cours' | 'realisee' | 'abandonnee';
    date?: IsoDate;
  }[];
  pyramide?: PyramideLevel;
  /**
   * Free text for the insurer; no medical detail.
   */
  comment?: string;
  sentAt: IsoDateTime;
}
