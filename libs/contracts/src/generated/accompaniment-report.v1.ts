/* Generated from contracts/schemas/accompaniment-report.v1.schema.json by scripts/gen-types.js. Do not edit. */

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
    partnerId: string;
  };
  /**
   * caseEvent.episodeId of the sick-leave delivery the report answers.
   */
  episodeId: string;
  reportDate: string;
  /**
   * State of the SPSTI's accompaniment (cellule PDP) at reportDate.
   */
  accompaniment: 'pris-en-charge' | 'en-cours' | 'termine' | 'refus-salarie' | 'injoignable' | 'non-pris-en-charge';
  measures?: {
    /**
     * PDP measure (dispositif).
     */
    measure:
      | 'rendez-vous-liaison'
      | 'visite-pre-reprise'
      | 'visite-reprise'
      | 'visite-mi-carriere'
      | 'essai-encadre'
      | 'crpe'
      | 'temps-partiel-therapeutique'
      | 'amenagement-poste'
      | 'fipu'
      | 'ptp-transition-pro'
      | 'bilan-competences'
      | 'cep'
      | 'aide-agefiph'
      | 'dossier-mdph-rqth'
      | 'formation-reconversion';
    status: 'envisagee' | 'en-cours' | 'realisee' | 'abandonnee';
    date?: string;
  }[];
  /**
   * Pyramide des fragilités (CNAM): T0-T5; T2 kept at the same post, T3a redeployed in the firm, T3b in another firm, T4 proven risk needing medico-social support.
   */
  pyramide?: 'T0' | 'T1' | 'T2' | 'T3a' | 'T3b' | 'T4' | 'T5';
  /**
   * Free text for the insurer; no medical detail.
   */
  comment?: string;
  sentAt: string;
}
