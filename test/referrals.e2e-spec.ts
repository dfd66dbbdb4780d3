import type { Client } from 'fhir-kit-client';
import { referralsScenario } from './referrals.scenario';
import { startDistributedHub } from './support/harness';
import { createFhirClient, ensureFhir, FHIR_SETUP_TIMEOUT_MS, FhirHandle } from './support/fhir-server';

describe('signalements, consent and chef de file, distributed (Kafka + PostgreSQL + HAPI FHIR)', () => {
  let fhir: FhirHandle;
  let client: Client;

  beforeAll(async () => {
    fhir = await ensureFhir();
    client = await createFhirClient(fhir.baseUrl);
  }, FHIR_SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await fhir?.stop();
  }, 60_000);

  referralsScenario(() => startDistributedHub(), () => ({ baseUrl: fhir.baseUrl, client }));
});
