/* Generated from contracts/schemas/partner-directory.v1.schema.json by scripts/gen-types.js. Do not edit. */

import type { Departement, PartnerCategory, PartnerId } from './common.v1';

/**
 * Partner directory file loaded at start-up (PARTNERS_FILE), version 1. Every partner receives through its durable HTTP inbox and its Kafka topic pdp.inbox.<partnerId>.v1; a fhirEndpoint adds a FHIR R4 delivery (Task + Communication). API keys are never in the file: apiKeyEnv names the environment variable holding it.
 */
export interface PartnerDirectory {
  schemaVersion: 'partner-directory/1';
  partners: {
    partnerId: PartnerId;
    category: PartnerCategory;
    name: string;
    /**
     * INSEE code of the région covered.
     */
    region?: string;
    /**
     * Départements covered; empty means the whole région.
     */
    departements?: Departement[];
    fhirEndpoint?: string;
    apiKeyEnv?: string;
  }[];
}
