import request from 'supertest';
import type { Client } from 'fhir-kit-client';
import { InboxDelivery } from '@pdp/contracts';
import { FhirSystems, INS_NIR_SYSTEM } from '@pdp/fhir';
import { eventually, HubUnderTest, startDistributedHub } from './support/harness';
import { createFhirClient, ensureFhir, FHIR_SETUP_TIMEOUT_MS, FhirHandle } from './support/fhir-server';
import { nirOf, sickLeave, siretOf } from './support/fixtures';
import { documented } from './support/openapi-responses';
import { TcpGate } from './support/tcp-gate';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Sick-leave alerts over FHIR: the SPSTI's endpoint gets a Task for the worker's Patient (her
 * INS-NIR), updated by a prolongation, pushed again by the hub itself after the endpoint was
 * down, and cancelled when the worker withdraws her consent (transitional phase). A real HAPI
 * FHIR server behind a gate the test opens and closes.
 */
describe('sick-leave alerts as FHIR Tasks (Kafka + PostgreSQL + HAPI FHIR)', () => {
  let fhir: FhirHandle;
  let client: Client;
  let gate: TcpGate;
  let hub: HubUnderTest;
  const SPSTI = { partnerId: 'spsti-fhir', apiKey: 'key-spsti-fhir-0123456789', category: 'spsti', name: 'SPSTI FHIR', region: '84', departements: ['69'] };
  const INSURER = { partnerId: 'cpam-69', apiKey: 'key-cpam-69-0123456789', category: 'cpam', name: 'CPAM du Rhône', departements: ['69'] };
  const http = () => request(hub.http.getHttpServer());
  const admin = (req: request.Test) => req.set('X-Api-Key', hub.adminKey);
  const items = async () => (await http().get('/v1/inbox').set('X-Api-Key', SPSTI.apiKey).expect(200)).body.items as { itemId: string; version: number; delivery: InboxDelivery }[];
  const task = async (itemId: string) =>
    ((await client.search({ resourceType: 'Task', searchParams: { identifier: `${FhirSystems.deliveryId}|${itemId}` } })) as Json).entry?.map((e: Json) => e.resource)[0] as Json | undefined;
  const consent = (status: 'granted' | 'withdrawn') =>
    http()
      .post('/v1/consents')
      .set('X-Api-Key', SPSTI.apiKey)
      .send({
        schemaVersion: 'consent-statement/1',
        worker: { nir: nirOf(91) },
        purpose: 'sick-leave-transmission',
        recipientCategory: 'spsti',
        status,
        effectiveAt: new Date().toISOString(),
        evidenceRef: `fhir-${status}`,
      })
      .expect(201);

  beforeAll(async () => {
    fhir = await ensureFhir();
    client = await createFhirClient(fhir.baseUrl);
    const server = new URL(fhir.baseUrl);
    gate = await TcpGate.to(server.hostname, Number(server.port));
    await gate.open();
    hub = await startDistributedHub({ transitionalPhase: true });
    await admin(http().post('/v1/partners'))
      .send({ ...SPSTI, fhirEndpoint: `http://127.0.0.1:${gate.port}${server.pathname}` })
      .expect(201);
    await admin(http().post('/v1/partners')).send(INSURER).expect(201);
    await admin(http().post('/v1/directory/adhesions'))
      .send([{ siret: siretOf(1), spstiId: SPSTI.partnerId, validFrom: '2020-01-01' }])
      .expect(201);
  }, FHIR_SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await hub?.close();
    await gate?.close();
    await fhir?.stop();
  }, 60_000);

  it("creates a Task for the worker's Patient, updates it on a prolongation after the endpoint came back, and cancels it on a withdrawal", async () => {
    const leave = sickLeave({ n: 91, leaveId: 'aat-fhir-91', pdpRisk: true, consent: { granted: true, collectedAt: '2026-09-01T08:00:00Z', evidenceRef: 'formulaire' } });
    await http().post('/v1/sick-leaves').set('X-Api-Key', INSURER.apiKey).send(leave).expect(202);
    const item = await eventually(async () => (await items()).find((i) => i.delivery.caseEvent.sourceMessageId === leave.messageId), 'the alert in the inbox');
    const created = await eventually(() => task(item.itemId), 'the FHIR Task');
    expect(created).toMatchObject({
      status: 'requested',
      intent: 'order',
      priority: 'urgent',
      code: { coding: [{ system: FhirSystems.coordinationItem, code: 'sick-leave' }] },
      owner: { identifier: { system: FhirSystems.partnerId, value: SPSTI.partnerId } },
      description: expect.stringContaining('2026-09-01'),
    });
    // The SPSTI knows which of its workers it is: the Task is for her Patient, INS-NIR under its OID.
    const patient = (await client.read({ resourceType: 'Patient', id: (created!.for.reference as string).split('/')[1] })) as Json;
    expect(patient.identifier).toContainEqual({ use: 'official', type: { coding: [{ system: FhirSystems.frCoreIdentifierType, code: 'INS-NIR' }] }, system: INS_NIR_SYSTEM, value: nirOf(91) });
    const pushes = await documented(await admin(http().get(`/v1/ops/pushes?channel=fhir&partnerId=${SPSTI.partnerId}`)).expect(200), 'GET /v1/ops/pushes');
    expect(pushes.body.items).toEqual([expect.objectContaining({ channel: 'fhir', itemId: item.itemId, version: 1, status: 'delivered', remoteRef: expect.stringMatching(/^Task\//) })]);

    // The SPSTI takes the alert in hand: its status and its note must survive the hub's updates.
    await client.update({ resourceType: 'Task', id: created!.id, body: { ...created!, resourceType: 'Task', status: 'in-progress', note: [{ text: 'Visite de pré-reprise proposée' }] } });

    // The endpoint goes down; the prolongation's push fails, then goes through by itself.
    await gate.close();
    const prolongation = sickLeave({
      n: 91,
      leaveId: 'aat-fhir-91-p1',
      kind: 'prolongation',
      initialLeaveId: 'aat-fhir-91',
      pdpRisk: true,
      startDate: '2026-10-16',
      expectedEndDate: '2026-11-15',
      consent: { granted: true, collectedAt: '2026-09-01T08:00:00Z' },
    });
    await http().post('/v1/sick-leaves').set('X-Api-Key', INSURER.apiKey).send(prolongation).expect(202);
    await eventually(async () => {
      const r = await admin(http().get(`/v1/ops/pushes?channel=fhir&partnerId=${SPSTI.partnerId}&status=pending`)).expect(200);
      return r.body.items.find((p: Json) => p.version === 2 && p.attempts >= 1);
    }, 'the failed push waiting for its retry');
    await gate.open();
    const updated = await eventually(async () => {
      const t = await task(item.itemId);
      return t?.description?.includes('2026-11-15') ? t : undefined;
    }, 'the Task updated');
    expect(updated).toMatchObject({ id: created!.id, status: 'in-progress', note: [{ text: 'Visite de pré-reprise proposée' }] });

    // The worker withdraws her consent: the Task is cancelled with the reason.
    await consent('withdrawn');
    const cancelled = await eventually(async () => {
      const t = await task(item.itemId);
      return t?.status === 'cancelled' ? t : undefined;
    }, 'the Task cancelled');
    expect(cancelled!.statusReason.text).toContain('withdrawn');
    // Each push of the identity and the cancellation are in the audit trail.
    const audit = await eventually(async () => {
      const trail = (await admin(http().get(`/v1/audit/partners/${SPSTI.partnerId}`)).expect(200)).body as Json[];
      return trail.some((a) => a.action === 'fhir-cancelled') ? trail : undefined;
    }, 'the cancellation audited');
    expect(audit.filter((a) => a.action === 'fhir-delivered').map((a) => a.detail.identity)).toEqual([true, true]);
    expect(audit.some((a) => a.action === 'fhir-failed')).toBe(true);
  });

  it('cancels the Task when the worker is erased', async () => {
    const leave = sickLeave({ n: 92, leaveId: 'aat-fhir-92', pdpRisk: false, consent: { granted: true, collectedAt: '2026-09-01T08:00:00Z', evidenceRef: 'formulaire' } });
    await http().post('/v1/sick-leaves').set('X-Api-Key', INSURER.apiKey).send(leave).expect(202);
    const item = await eventually(async () => (await items()).find((i) => i.delivery.caseEvent.sourceMessageId === leave.messageId), 'the alert in the inbox');
    const created = await eventually(() => task(item.itemId), 'the FHIR Task');
    expect(created).toMatchObject({ status: 'requested', priority: 'routine' });
    await admin(http().post('/v1/erasures'))
      .send({ nir: nirOf(92), reason: 'her request' })
      .expect(200);
    const cancelled = await eventually(async () => {
      const t = await task(item.itemId);
      return t?.status === 'cancelled' ? t : undefined;
    }, 'the Task cancelled');
    expect(cancelled!.statusReason.text).toBe('the person was erased');
  });
});
