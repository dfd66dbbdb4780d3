/** Identifier systems and code systems of the hub's FHIR exchanges. */
export const FhirSystems = {
  deliveryId: 'https://pdp-hub.fr/fhir/sid/delivery-id',
  /** One per content version of a delivery (its idempotency key): a correction has its own. */
  idempotencyKey: 'https://pdp-hub.fr/fhir/sid/idempotency-key',
  personPseudonym: 'https://pdp-hub.fr/fhir/sid/person-pseudonym',
  partnerId: 'https://pdp-hub.fr/fhir/sid/partner-id',
  partnerCategory: 'https://pdp-hub.fr/fhir/CodeSystem/partner-category',
  coordinationItem: 'https://pdp-hub.fr/fhir/CodeSystem/coordination-item',
  signalementReason: 'https://pdp-hub.fr/fhir/CodeSystem/signalement-reason',
  consentPurpose: 'https://pdp-hub.fr/fhir/CodeSystem/consent-purpose',
  participationType: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
  consentScope: 'http://terminology.hl7.org/CodeSystem/consentscope',
  /** FR Core's identifier types (INS-NIR, INS-NIA, SIRET, FINEG…): the French profiles' v2-0203 extension. */
  frCoreIdentifierType: 'https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203',
  /** FR Core Organization identifier systems: SIREN/SIRET, FINESS, and the national structure id (idNatSt) of the Annuaire Santé. */
  sirene: 'https://sirene.fr',
  finess: 'http://finess.sante.gouv.fr',
  idNatSt: 'urn:oid:1.2.250.1.71.4.2.2',
} as const;

/** The OID of the INS-NIR, the identifier system FR Core gives a Patient's NIR-based INS. */
export const INS_NIR_SYSTEM = 'urn:oid:1.2.250.1.213.1.4.8';

/** OIDs of the INS (NIR-based matricule) and of the NIR itself: identifiers accepted on entry only. */
export const InsOids = ['urn:oid:1.2.250.1.213.1.4.8', 'urn:oid:1.2.250.1.213.1.4.9', 'urn:oid:1.2.250.1.213.1.4.10', 'urn:oid:1.2.250.1.213.1.4.11'];

/** The FR Core profiles the hub's resources follow (docs/integrators.md, "FHIR"). */
export const FrCoreProfiles = {
  patient: 'https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient',
  organization: 'https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-organization',
} as const;
