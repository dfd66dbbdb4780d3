/**
 * Smoke test of the real FHIR R4 server used by e2e tests (HAPI FHIR JPA server,
 * see deploy/fhir), through fhir-kit-client: Organization by identifier, Consent, Task.
 * Values are unique per run, so it also passes against a shared FHIR_BASE_URL server.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from 'fhir-kit-client';
import { createFhirClient, ensureFhir, FHIR_SETUP_TIMEOUT_MS, type FhirHandle } from './fhir-server';

// SIRET (French establishment id) and the FINESS-like OID used for health organisations.
const SIRET_SYSTEM = 'urn:oid:1.2.250.1.71.4.2.2';
const NIR_SYSTEM = 'urn:oid:1.2.250.1.213.1.4.8';
const PATIENT_NIR_EXTENSION = 'https://pdp-hub.example/fhir/StructureDefinition/patient-nir';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('FHIR test server (HAPI FHIR R4)', () => {
  let fhir: FhirHandle;
  let client: Client;
  const run = randomUUID().slice(0, 8);
  const siret = `${Date.now() % 1e9}`.padStart(9, '0') + '00012';

  beforeAll(async () => {
    fhir = await ensureFhir();
    client = await createFhirClient(fhir.baseUrl);
  }, FHIR_SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await fhir?.stop();
  }, 60_000);

  it('answers /metadata with an R4 CapabilityStatement', async () => {
    const cs = (await client.capabilityStatement()) as Json;
    expect(cs.resourceType).toBe('CapabilityStatement');
    expect(cs.fhirVersion).toBe('4.0.1');
    const types = (cs.rest[0].resource as Json[]).map((r) => r.type);
    expect(types).toEqual(expect.arrayContaining(['Organization', 'Consent', 'Task', 'Communication']));
  });

  it('creates an Organization, searches it back by identifier, then updates it', async () => {
    const created = (await client.create({
      resourceType: 'Organization',
      body: {
        resourceType: 'Organization',
        identifier: [{ system: SIRET_SYSTEM, value: siret }],
        name: `SPSTI test ${run}`,
        active: true,
      },
    })) as Json;
    expect(created.id).toBeTruthy();
    expect(created.meta.versionId).toBe('1');

    const bundle = (await client.search({
      resourceType: 'Organization',
      searchParams: { identifier: `${SIRET_SYSTEM}|${siret}` },
    })) as Json;
    expect(bundle.resourceType).toBe('Bundle');
    expect(bundle.total).toBe(1);
    expect(bundle.entry[0].resource.id).toBe(created.id);
    expect(bundle.entry[0].resource.identifier[0]).toEqual({ system: SIRET_SYSTEM, value: siret });

    const updated = (await client.update({
      resourceType: 'Organization',
      id: created.id,
      body: { ...created, resourceType: 'Organization', name: `SPSTI test ${run} (renamed)` },
    })) as Json;
    expect(updated.meta.versionId).toBe('2');
    const read = (await client.read({ resourceType: 'Organization', id: created.id })) as Json;
    expect(read.name).toBe(`SPSTI test ${run} (renamed)`);
  });

  it('creates a Consent and a Task that reference the Organization', async () => {
    const org = (await client.create({
      resourceType: 'Organization',
      body: { resourceType: 'Organization', identifier: [{ system: SIRET_SYSTEM, value: `${siret}-c` }], name: 'Carsat' },
    })) as Json;
    const orgRef = `Organization/${org.id}`;
    const consentId = `consent-${run}`;

    const consent = (await client.create({
      resourceType: 'Consent',
      body: {
        resourceType: 'Consent',
        extension: [{ url: PATIENT_NIR_EXTENSION, valueIdentifier: { system: NIR_SYSTEM, value: '1800175123456' } }],
        identifier: [{ system: 'urn:pdp-hub:consent', value: consentId }],
        status: 'active',
        scope: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
        },
        category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0', display: 'Patient Consent' }] }],
        // a logical reference (by identifier): the patient is not stored on this server
        patient: { identifier: { system: NIR_SYSTEM, value: '1800175123456' } },
        dateTime: '2026-01-15T10:00:00+01:00',
        organization: [{ reference: orgRef }],
        policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
      },
    })) as Json;
    expect(consent.id).toBeTruthy();
    expect(consent.status).toBe('active');
    expect(consent.scope.coding[0].code).toBe('patient-privacy');
    expect(consent.category[0].coding[0].code).toBe('59284-0');
    expect(consent.patient.identifier.value).toBe('1800175123456');
    expect(consent.extension[0]).toEqual({
      url: PATIENT_NIR_EXTENSION,
      valueIdentifier: { system: NIR_SYSTEM, value: '1800175123456' },
    });

    const consents = (await client.search({
      resourceType: 'Consent',
      searchParams: { identifier: `urn:pdp-hub:consent|${consentId}`, status: 'active', organization: orgRef },
    })) as Json;
    expect(consents.total).toBe(1);
    expect(consents.entry[0].resource.id).toBe(consent.id);

    const task = (await client.create({
      resourceType: 'Task',
      body: {
        resourceType: 'Task',
        identifier: [{ system: 'urn:pdp-hub:task', value: `task-${run}` }],
        status: 'requested',
        intent: 'order',
        code: { text: 'Examen de pré-reprise' },
        focus: { reference: `Consent/${consent.id}` },
        requester: { reference: orgRef },
        owner: { reference: orgRef },
        authoredOn: '2026-01-15T10:05:00+01:00',
      },
    })) as Json;
    expect(task.id).toBeTruthy();
    expect(task.status).toBe('requested');
    expect(task.focus.reference).toBe(`Consent/${consent.id}`);

    const tasks = (await client.search({
      resourceType: 'Task',
      searchParams: { owner: orgRef, status: 'requested' },
    })) as Json;
    expect(tasks.total).toBe(1);
    expect(tasks.entry[0].resource.identifier[0].value).toBe(`task-${run}`);

    const done = (await client.update({
      resourceType: 'Task',
      id: task.id,
      body: { ...task, resourceType: 'Task', status: 'completed' },
    })) as Json;
    expect(done.status).toBe('completed');
    expect(done.meta.versionId).toBe('2');
  });

  it('rejects a resource that is not valid FHIR (HAPI parser)', async () => {
    await expect(client.create({ resourceType: 'Task', body: { resourceType: 'Task', status: 'not-a-status', intent: 'order' } })).rejects.toMatchObject({ response: { status: 400 } });
  });
});
