import type { Client } from 'fhir-kit-client';
import { signalementsScenario } from './signalements.scenario';
import { startDistributedHub, startEmbeddedHub } from './support/harness';
import { createFhirClient, ensureFhir, FHIR_SETUP_TIMEOUT_MS, FhirHandle } from './support/fhir-server';

/** One HAPI FHIR server for both modes (its start-up is the expensive part). */
describe('signalements, consent and chef de file', () => {
  let fhir: FhirHandle;
  let client: Client;
  const server = () => ({ baseUrl: fhir.baseUrl, client });

  beforeAll(async () => {
    fhir = await ensureFhir();
    client = await createFhirClient(fhir.baseUrl);
  }, FHIR_SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await fhir?.stop();
  }, 60_000);

  describe('distributed (gateway, router, coordinator on Kafka + PostgreSQL, HAPI FHIR)', () => {
    signalementsScenario(() => startDistributedHub(), server);
  });

  describe('embedded (PGlite + in-process bus, as npm start)', () => {
    signalementsScenario(() => startEmbeddedHub(), server);
  });
});
