import request from 'supertest';
import type { Client } from 'fhir-kit-client';
import { inboxTopic } from '@pdp/contracts';
import { ReferralDelivery, Signalement, SignalementTopics } from '@pdp/contracts';
import { FhirSystems, FrCoreProfiles } from '@pdp/fhir';
import { decisionIdOf, referralIdOf } from '@pdp/signalements';
import { eventually, HubUnderTest } from './support/harness';
import { LogCapture } from './support/log-capture';
import { nirOf, sickLeave, signalementOf, siretOf } from './support/fixtures';
import { TcpGate } from './support/tcp-gate';
import { WebhookReceiver } from './support/webhook-receiver';
import { reportFault } from './support/fault-report';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const P = {
  spsti: { partnerId: 'spsti-a', apiKey: 'key-spsti-a-0123456789', category: 'spsti', name: 'SPSTI A', region: '84', departements: ['69'] },
  other: { partnerId: 'spsti-b', apiKey: 'key-spsti-b-0123456789', category: 'spsti', name: 'SPSTI B', region: '84', departements: ['38'] },
  social: { partnerId: 'carsat-ra-ss', apiKey: 'key-carsat-ra-0123456789', category: 'service-social-carsat', name: 'Carsat RA service social', region: '84', departements: [] as string[] },
  cap: { partnerId: 'cap-emploi-69', apiKey: 'key-cap-69-0123456789', category: 'cap-emploi', name: 'Cap emploi 69', region: '84', departements: ['69'] },
  ft: { partnerId: 'france-travail-69', apiKey: 'key-ft-69-0123456789', category: 'france-travail', name: 'France Travail 69', region: '84', departements: ['69'] },
  medical: { partnerId: 'service-medical-69', apiKey: 'key-smed-69-0123456789', category: 'service-medical', name: 'Service médical 69', region: '84', departements: ['69'] },
  cpam: { partnerId: 'cpam-69', apiKey: 'key-cpam-69-0123456789', category: 'cpam', name: 'CPAM du Rhône', region: '84', departements: ['69'] },
};
type Who = (typeof P)[keyof typeof P];

/** An Endpoint resource for a FHIR base URL, as a directory lists it beside an Organization. */
async function fhirEndpointOn(client: Client, baseUrl: string): Promise<Json> {
  return (await client.create({
    resourceType: 'Endpoint',
    body: {
      resourceType: 'Endpoint',
      status: 'active',
      connectionType: { system: 'http://terminology.hl7.org/CodeSystem/endpoint-connection-type', code: 'hl7-fhir-rest' },
      payloadType: [{ text: 'FHIR' }],
      address: baseUrl,
    },
  })) as Json;
}

let seq = 0;
function signalement(n: number, over: Partial<Signalement> = {}): Signalement {
  seq += 1;
  return signalementOf(
    n,
    { sender: { partnerId: P.spsti.partnerId, professional: 'médecin du travail' }, recipient: { category: 'service-social-carsat' } },
    {
      signalementId: `sig-${n}-${seq}`,
      consent: { granted: true, collectedAt: '2026-09-10T09:00:00Z', collectedBy: 'Dr Durand', evidenceRef: 'fiche-signee-42' },
      ...over,
    },
  );
}

/**
 * Signalements between partners, consent, chef de file, IRDP filtering, return flow and audit,
 * end to end through the hub (HTTP in; Kafka inbox topics, HTTP inboxes and a real FHIR server out).
 */
export function signalementsScenario(start: () => Promise<HubUnderTest>, fhir: () => { baseUrl: string; client: Client }): void {
  let hub: HubUnderTest;
  let logs: LogCapture;
  const http = () => request(hub.http.getHttpServer());
  const admin = (req: request.Test) => req.set('X-Api-Key', hub.adminKey);
  const as = (who: Who, req: request.Test) => req.set('Authorization', `Bearer ${who.apiKey}`);
  const inbox = async (who: Who, status = 'pending') =>
    (await as(who, http().get(`/v1/inbox?status=${status}`)).expect(200)).body.items as { itemId: string; status: string; itemType: string; delivery: ReferralDelivery }[];
  const referralItem = (who: Who, signalementId: string) =>
    eventually(async () => (await inbox(who)).find((i) => i.delivery.referral?.signalementId === signalementId), `${who.partnerId} inbox item for ${signalementId}`);
  const status = (signalementId: string, settled: (s: Json) => boolean, who: Who = P.spsti) =>
    eventually(async () => {
      const r = await as(who, http().get(`/v1/signalements/${signalementId}/status`));
      return r.status === 200 && settled(r.body) ? (r.body as Json) : undefined;
    }, `status of ${signalementId}`);
  const send = async (s: Signalement, who: Who = P.spsti) => (await as(who, http().post('/v1/signalements')).send(s).expect(202)).body;
  const topicDeliveries = async (who: Who) => (await hub.readTopic(inboxTopic(who.partnerId))).map((r) => ({ key: r.key, d: JSON.parse(r.value.toString()) as Json }));
  const tasks = async (deliveryId: string) =>
    ((await fhir().client.search({ resourceType: 'Task', searchParams: { identifier: `${FhirSystems.deliveryId}|${deliveryId}` } })) as Json).entry?.map((e: Json) => e.resource) ?? [];

  const first = signalement(1, { pyramide: 'T4', irdp: 2, consent: { granted: true, collectedAt: '2026-09-10T09:00:00Z', irdpSharing: true, evidenceRef: 'fiche-1' } });
  let firstItem: { itemId: string; delivery: ReferralDelivery };

  beforeAll(async () => {
    logs = new LogCapture().install();
    hub = await start();
    for (const p of Object.values(P)) {
      await admin(http().post('/v1/partners'))
        .send({ ...p, ...(p === P.social ? { fhirEndpoint: fhir().baseUrl } : {}) })
        .expect(201);
    }
    await admin(http().post('/v1/directory/adhesions'))
      .send([{ siret: siretOf(1), spstiId: P.spsti.partnerId, validFrom: '2020-01-01' }])
      .expect(201);
  });

  afterAll(async () => {
    await hub?.close();
    logs?.uninstall();
  });

  it('delivers a referral SPSTI → service social with consent to its HTTP inbox, its Kafka topic and its FHIR endpoint; T4 names the service social chef de file', async () => {
    const accepted = await send(first);
    expect(accepted).toMatchObject({ signalementId: first.signalementId, status: 'accepted' });
    firstItem = await referralItem(P.social, first.signalementId);
    const d = firstItem.delivery;
    expect(d).toMatchObject({ schemaVersion: 'referral-delivery/1', itemType: 'signalement', partnerId: P.social.partnerId, legalBasis: 'consent', rulesVersion: '2026.1' });
    expect(d.chefDeFile).toMatchObject({ partnerId: P.social.partnerId, category: 'service-social-carsat', assignedBy: 'rule', ruleId: 'degraded-situation-service-social-leads' });
    expect(d.referral).toMatchObject({ reason: 'arret-long', pyramide: 'T4', sender: { partnerId: 'spsti-a', category: 'spsti' } });
    // The service social is not allowed to see the IRDP, consent or not.
    expect(d.referral).not.toHaveProperty('irdp');
    expect(d.ruleIds).toEqual(['intended-recipient', 'degraded-situation-service-social-leads']);
    // The service social, a recipient on consent, reads which worker it must contact.
    const read = (await as(P.social, http().get(`/v1/inbox/${firstItem.itemId}`)).expect(200)).body;
    expect(read.worker).toEqual({ nir: nirOf(1), birthName: 'MARTIN', firstNames: 'Claire' });
    expect(read.schema).toBe('referral-delivery/1');

    const onTopic = await eventually(async () => (await topicDeliveries(P.social)).find((m) => m.d.deliveryId === firstItem.itemId), 'delivery on the Kafka inbox topic');
    expect(onTopic.key).toBe(d.personPseudonym);

    const [task] = await eventually(async () => ((await tasks(firstItem.itemId)).length ? tasks(firstItem.itemId) : undefined), 'FHIR Task on the partner endpoint');
    expect(task).toMatchObject({
      resourceType: 'Task',
      status: 'requested',
      intent: 'order',
      owner: { identifier: { system: FhirSystems.partnerId, value: P.social.partnerId } },
      for: { reference: expect.stringMatching(/^Patient\//) },
    });
    // The Task is for the worker's Patient, named as FR Core names her: the INS-NIR under its OID.
    const patient = (await fhir().client.read({ resourceType: 'Patient', id: (task.for.reference as string).split('/')[1] })) as Json;
    expect(patient.identifier).toEqual(
      expect.arrayContaining([
        { use: 'official', type: { coding: [{ system: 'https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203', code: 'INS-NIR' }] }, system: 'urn:oid:1.2.250.1.213.1.4.8', value: nirOf(1) },
        { system: FhirSystems.personPseudonym, value: d.personPseudonym },
      ]),
    );
    expect(patient.name).toEqual([{ use: 'official', family: 'MARTIN', given: ['Claire'] }]);
    const comms = (await fhir().client.search({ resourceType: 'Communication', searchParams: { identifier: `${FhirSystems.deliveryId}|${firstItem.itemId}` } })) as Json;
    expect(comms.entry).toHaveLength(1);
    const payload = JSON.parse(Buffer.from(comms.entry[0].resource.payload[1].contentAttachment.data, 'base64').toString());
    expect(payload.deliveryId).toBe(firstItem.itemId);
    expect(JSON.stringify(payload)).not.toContain(nirOf(1));

    const st = await status(first.signalementId, (s) => s.recipients.length === 1 && s.recipients[0].fhir === 'delivered');
    expect(st.chefDeFile).toMatchObject({ partnerId: P.social.partnerId, category: 'service-social-carsat' });
    expect(st.recipients[0]).toMatchObject({ partnerId: P.social.partnerId, status: 'delivered', legalBasis: 'consent', irdpShared: false });
  });

  it('names the SPSTI chef de file for a T2 referral, and orients an RQTH worker to Cap emploi', async () => {
    const s = signalement(2, { pyramide: 'T2', rqth: true, recipient: { category: 'cap-emploi' } });
    await send(s);
    const item = await referralItem(P.cap, s.signalementId);
    expect(item.delivery.chefDeFile).toMatchObject({ partnerId: P.spsti.partnerId, category: 'spsti', ruleId: 'default-spsti-leads' });
    expect(item.delivery.ruleIds).toEqual(['intended-recipient', 'rqth-to-cap-emploi']);
    const st = await status(s.signalementId, (x) => x.recipients.length === 1);
    expect(st.chefDeFile).toMatchObject({ partnerId: P.spsti.partnerId, category: 'spsti' });
    // The orientation is counted by the harmonised metrics.
    const facts = await hub.db.query('SELECT recipient_partner_id, recipient_category, consent_granted FROM orientation_facts WHERE signalement_id = $1', [s.signalementId]);
    expect(facts.rows).toEqual([{ recipient_partner_id: P.cap.partnerId, recipient_category: 'cap-emploi', consent_granted: true }]);
  });

  it('withholds a referral without consent, visible to ops and to the sender, and releases it when consent is recorded', async () => {
    const s = signalement(3, { consent: { granted: false, collectedAt: '2026-09-10T09:00:00Z' } });
    await send(s);
    const st = await status(s.signalementId, (x) => x.recipients.length === 1);
    expect(st.recipients[0]).toMatchObject({ category: 'service-social-carsat', partnerId: P.social.partnerId, status: 'withheld', reasonCode: 'consent-refused' });
    const withheld = (await admin(http().get('/v1/ops/withheld')).expect(200)).body.items as Json[];
    expect(withheld).toContainEqual(expect.objectContaining({ subjectId: st.referralId, reasonCode: 'consent-refused', partnerId: P.social.partnerId }));
    expect((await inbox(P.social)).some((i) => i.delivery.referral?.signalementId === s.signalementId)).toBe(false);

    // The worker changes their mind: the withheld item is released, never lost.
    const granted = await as(P.spsti, http().post('/v1/consents'))
      .send({
        schemaVersion: 'consent-statement/1',
        worker: { nir: nirOf(3) },
        purpose: 'orientation',
        recipientCategory: 'service-social-carsat',
        status: 'granted',
        effectiveAt: new Date().toISOString(),
        evidenceRef: 'appel-2026-09-12',
      })
      .expect(201);
    // The sender learns nothing of which partners hold items: the release is the service social's.
    expect(granted.body.released).toEqual([]);
    await referralItem(P.social, s.signalementId);
    expect((await status(s.signalementId, (x) => x.recipients[0].status === 'delivered')).recipients[0].legalBasis).toBe('consent');
  });

  it('pulls back undelivered items when consent is withdrawn, and withholds later referrals', async () => {
    const statement = {
      schemaVersion: 'consent-statement/1',
      worker: { nir: nirOf(1) },
      purpose: 'orientation',
      recipientCategory: 'service-social-carsat',
      status: 'withdrawn',
      effectiveAt: new Date().toISOString(),
    };
    // Only a partner the worker's case concerns records her consent, and with its evidence.
    const notYours = await as(P.ft, http().post('/v1/consents'))
      .send({ ...statement, evidenceRef: 'x' })
      .expect(403);
    expect(notYours.body.errors).toEqual([{ path: '/worker', message: 'no case of this worker was delivered to you or referred by you' }]);
    await as(P.spsti, http().post('/v1/consents')).send(statement).expect(400);
    expect((await inbox(P.social)).some((i) => i.itemId === firstItem.itemId)).toBe(true);
    const withdrawal = await as(P.spsti, http().post('/v1/consents'))
      .send({
        schemaVersion: 'consent-statement/1',
        worker: { nir: nirOf(1) },
        purpose: 'orientation',
        recipientCategory: 'service-social-carsat',
        status: 'withdrawn',
        effectiveAt: new Date().toISOString(),
        evidenceRef: 'courrier-retrait',
      })
      .expect(201);
    expect(withdrawal.body.pulledBack).toEqual([]);
    expect((await inbox(P.social)).some((i) => i.itemId === firstItem.itemId)).toBe(false);
    await as(P.social, http().get(`/v1/inbox/${firstItem.itemId}`)).expect(404);
    const retraction = await eventually(
      async () => (await topicDeliveries(P.social)).find((m) => m.d.itemType === 'retraction' && m.d.retraction.deliveryId === firstItem.itemId),
      'retraction on the Kafka topic',
    );
    expect(retraction.d.retraction.reason).toContain('withdrawn');
    const [task] = await eventually(async () => ((await tasks(firstItem.itemId))[0]?.status === 'cancelled' ? tasks(firstItem.itemId) : undefined), 'FHIR Task cancelled');
    expect(task.statusReason.text).toContain('withdrawn');
    expect((await status(first.signalementId, (x) => x.recipients[0].status === 'pulled-back')).recipients[0].reasonCode).toBe('consent-withdrawn');

    // A later referral resting on the consent collected before the withdrawal is withheld.
    const later = signalement(1, { sender: { partnerId: P.cap.partnerId }, consent: { granted: true, collectedAt: '2026-09-10T09:00:00Z' } });
    await send(later, P.cap);
    const st = await status(later.signalementId, (x) => x.recipients.length >= 1, P.cap);
    expect(st.recipients.find((r: Json) => r.category === 'service-social-carsat')).toMatchObject({ status: 'withheld', reasonCode: 'consent-withdrawn' });
  });

  it('never lets the IRDP reach a recipient not allowed to see it', async () => {
    const s = signalement(4, {
      reason: 'licenciement-inaptitude',
      irdp: 3,
      recipient: { category: 'service-medical' },
      consent: { granted: true, collectedAt: '2026-09-10T09:00:00Z', irdpSharing: true, categories: ['service-medical', 'france-travail', 'cap-emploi'] },
    });
    await send(s);
    const medical = await referralItem(P.medical, s.signalementId);
    expect(medical.delivery.referral?.irdp).toBe(3);
    const ft = await referralItem(P.ft, s.signalementId);
    const cap = await referralItem(P.cap, s.signalementId);
    for (const d of [ft.delivery, cap.delivery]) expect(d.referral).not.toHaveProperty('irdp');
    expect(ft.delivery.ruleIds).toEqual(['dismissal-for-unfitness']);

    // Allowed category but no irdp-sharing consent: stripped too.
    const noIrdpConsent = signalement(5, { irdp: 2, recipient: { partnerId: P.medical.partnerId }, consent: { granted: true, collectedAt: '2026-09-10T09:00:00Z', irdpSharing: false } });
    await send(noIrdpConsent);
    expect((await referralItem(P.medical, noIrdpConsent.signalementId)).delivery.referral).not.toHaveProperty('irdp');

    // Nothing carrying an IRDP was published to a partner other than the service médical.
    for (const who of [P.social, P.cap, P.ft]) {
      for (const m of await topicDeliveries(who)) expect(m.d.referral?.irdp).toBeUndefined();
    }
    const st = await status(s.signalementId, (x) => x.recipients.length === 3);
    expect(Object.fromEntries(st.recipients.map((r: Json) => [r.category, r.irdpShared]))).toEqual({ 'service-medical': true, 'france-travail': false, 'cap-emploi': false });
  });

  it("routes the SPSTI's accompaniment report on a transmitted leave back to the CPAM and the service médical", async () => {
    const leave = sickLeave({ n: 6, leaveId: 'aat-ret-6', employer: { siret: siretOf(1) } });
    await http().post('/v1/sick-leaves').set('X-Api-Key', P.cpam.apiKey).send(leave).expect(202);
    const leaveItem = await eventually(
      async () => (await as(P.spsti, http().get('/v1/inbox')).expect(200)).body.items.find((i: Json) => i.delivery.caseEvent?.sourceMessageId === leave.messageId),
      'sick leave in the SPSTI inbox',
    );
    const episodeId = leaveItem.delivery.caseEvent.episodeId as string;
    const report = {
      schemaVersion: 'accompaniment-report/1',
      messageId: `rep-msg-${Date.now()}`,
      reportId: 'rep-6-1',
      sender: { partnerId: P.spsti.partnerId },
      episodeId,
      reportDate: '2026-10-01',
      accompaniment: 'en-cours',
      measures: [
        { measure: 'visite-pre-reprise', status: 'realisee', date: '2026-09-25' },
        { measure: 'essai-encadre', status: 'envisagee' },
      ],
      pyramide: 'T3a',
      sentAt: '2026-10-01T12:00:00Z',
    };
    await as(P.spsti, http().post('/v1/accompaniment-reports')).send(report).expect(202);
    for (const who of [P.cpam, P.medical]) {
      const item = await eventually(async () => (await inbox(who)).find((i) => i.delivery.report?.reportId === 'rep-6-1'), `report in ${who.partnerId} inbox`);
      expect(item.delivery).toMatchObject({ itemType: 'accompaniment-report', legalBasis: 'legal-obligation-L4622-2-1', report: { episodeId, issuingCpam: '691', accompaniment: 'en-cours' } });
    }
    // Another SPSTI cannot report on a leave it never received.
    await as(P.other, http().post('/v1/accompaniment-reports'))
      .send({ ...report, sender: { partnerId: P.other.partnerId }, messageId: `rep-msg-x-${Date.now()}` })
      .expect(202);
    await eventually(async () => (await admin(http().get('/v1/ops/dead-letters'))).body.items.some((d: Json) => d.reason === 'unknown leave for this sender'), 'foreign report dead-lettered');
    // The SPSTI that received the leave reads the case timeline through the person pseudonym.
    const timeline = (await as(P.spsti, http().get(`/v1/cases/${leaveItem.delivery.caseEvent.personPseudonym}/timeline`)).expect(200)).body;
    expect(timeline.events.map((e: Json) => e.type)).toEqual(expect.arrayContaining(['sick-leave', 'delivery-delivered', 'accompaniment-report']));
  });

  it('imports a partner from a FHIR directory and a consent from a FHIR Consent, then delivers on that consent to its FHIR endpoint', async () => {
    const { client, baseUrl } = fhir();
    const endpoint = await fhirEndpointOn(client, baseUrl);
    await client.create({
      resourceType: 'Organization',
      body: {
        resourceType: 'Organization',
        active: true,
        identifier: [{ system: FhirSystems.partnerId, value: 'mdph-69' }],
        type: [{ coding: [{ system: FhirSystems.partnerCategory, code: 'mdph' }] }],
        name: 'MDPH du Rhône',
        address: [{ postalCode: '69003', city: 'Lyon' }],
        endpoint: [{ reference: `Endpoint/${endpoint.id}` }],
      },
    });
    const imported = (await admin(http().post('/v1/partners/import-fhir')).send({ baseUrl, category: 'mdph', departement: '69' }).expect(201)).body;
    expect(imported.imported).toContainEqual(expect.objectContaining({ partnerId: 'mdph-69', category: 'mdph', departements: ['69'], fhirEndpoint: baseUrl }));

    await client.create({
      resourceType: 'Consent',
      body: {
        resourceType: 'Consent',
        status: 'active',
        scope: { coding: [{ system: FhirSystems.consentScope, code: 'patient-privacy' }] },
        category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
        patient: { identifier: { system: 'urn:oid:1.2.250.1.213.1.4.8', value: nirOf(8) } },
        dateTime: '2026-09-01T08:00:00Z',
        performer: [{ display: 'Cap emploi 69' }],
        provision: {
          type: 'permit',
          purpose: [{ system: FhirSystems.consentPurpose, code: 'orientation' }],
          actor: [{ role: { coding: [{ system: FhirSystems.participationType, code: 'IRCP' }] }, reference: { identifier: { system: FhirSystems.partnerCategory, value: 'mdph' } } }],
        },
      },
    });
    const consents = (await admin(http().post('/v1/consents/import-fhir')).send({ baseUrl }).expect(201)).body;
    expect(consents.recorded).toContainEqual(expect.objectContaining({ purpose: 'orientation', recipientCategory: 'mdph', status: 'granted' }));
    expect(JSON.stringify(consents)).not.toContain(nirOf(8));

    // The fiche covers another category only: the FHIR consent is what allows the MDPH.
    const s = signalement(8, { reason: 'handicap-rqth', recipient: { partnerId: 'mdph-69' }, consent: { granted: true, collectedAt: '2026-09-10T09:00:00Z', categories: ['cap-emploi'] } });
    await send(s);
    const st = await status(s.signalementId, (x) => x.recipients.some((r: Json) => r.category === 'mdph' && r.fhir === 'delivered'));
    const mdph = st.recipients.find((r: Json) => r.category === 'mdph');
    expect(mdph).toMatchObject({ partnerId: 'mdph-69', status: 'delivered', legalBasis: 'consent' });
    const disclosure = (
      await admin(http().post('/v1/audit/disclosures'))
        .send({ nir: nirOf(8) })
        .expect(200)
    ).body.disclosures.find((d: Json) => d.partnerId === 'mdph-69');
    // (The server may hold the same Consent from an earlier run: any of the imported records.)
    expect(consents.recorded.filter((r: Json) => r.recipientCategory === 'mdph').map((r: Json) => r.consentId)).toContain(disclosure.why.consentId);
  });

  it('pushes a FHIR copy again by itself, with backoff, once the endpoint answers after being down', async () => {
    const server = new URL(fhir().baseUrl);
    const gate = await TcpGate.to(server.hostname, Number(server.port));
    try {
      // The partner's endpoint is down: nothing listens on its port.
      await admin(http().post('/v1/partners'))
        .send({ ...P.medical, fhirEndpoint: `http://127.0.0.1:${gate.port}${server.pathname}` })
        .expect(201);
      const s = signalement(9, { recipient: { category: 'service-medical' } });
      await send(s);
      const failed = await status(s.signalementId, (x) => x.recipients[0]?.fhir === 'failed');
      // Kafka and the HTTP inbox have it already; only the FHIR copy waits.
      expect(failed.recipients[0].status).toBe('delivered');
      const item = await referralItem(P.medical, s.signalementId);
      await new Promise((r) => setTimeout(r, 1_000));
      expect((await status(s.signalementId, () => true)).recipients[0].fhir).toBe('failed');

      // The server is back: the hub's own retries deliver it, nobody calls the retry endpoint.
      await gate.open();
      const delivered = await status(s.signalementId, (x) => x.recipients[0]?.fhir === 'delivered');
      expect(delivered.recipients[0].partnerId).toBe(P.medical.partnerId);
      const pushed = await tasks(item.itemId);
      reportFault(`fhir-down-${hub.mode}`, {
        fault: `a partner's FHIR server down, then back (${hub.mode}): the copy pushed again by the hub, with backoff`,
        sent: 1,
        accepted: 1,
        terminal: { 'FHIR copy delivered': delivered.recipients[0].fhir === 'delivered' ? 1 : 0 },
        lost: delivered.recipients[0].fhir === 'delivered' ? 0 : 1,
        duplicated: Math.max(0, pushed.length - 1),
      });
      expect(pushed).toHaveLength(1);
      const audit = (await admin(http().get(`/v1/audit/partners/${P.medical.partnerId}`)).expect(200)).body as Json[];
      const attempts = audit.filter((e) => e.detail?.deliveryId === item.itemId && (e.action === 'fhir-failed' || e.action === 'fhir-delivered'));
      expect(attempts.filter((e) => e.action === 'fhir-failed').length).toBeGreaterThanOrEqual(2);
      expect(attempts.filter((e) => e.action === 'fhir-delivered')).toHaveLength(1);
    } finally {
      await gate.close();
      await admin(http().post('/v1/partners'))
        .send({ ...P.medical })
        .expect(201);
    }
  });

  it('answers "who received what about this person, and why" from the audit trail', async () => {
    const r1 = (
      await admin(http().post('/v1/audit/disclosures'))
        .send({ nir: nirOf(1) })
        .expect(200)
    ).body;
    expect(r1.disclosures).toContainEqual(
      expect.objectContaining({
        partnerId: P.social.partnerId,
        what: expect.objectContaining({ type: 'signalement', irdpShared: false, fields: expect.arrayContaining(['reason', 'pyramide']) }),
        why: expect.objectContaining({
          legalBasis: 'consent',
          consentId: expect.stringMatching(/^cst_/),
          ruleIds: ['intended-recipient', 'degraded-situation-service-social-leads'],
          rulesVersion: '2026.1',
        }),
        pulledBack: true,
      }),
    );
    const r4 = (
      await admin(http().post('/v1/audit/disclosures'))
        .send({ nir: nirOf(4) })
        .expect(200)
    ).body;
    const byPartner = Object.fromEntries(r4.disclosures.map((d: Json) => [d.partnerId, d]));
    expect(byPartner[P.medical.partnerId].what.irdpShared).toBe(true);
    expect(byPartner[P.ft.partnerId]).toMatchObject({ what: { irdpShared: false }, why: { ruleIds: ['dismissal-for-unfitness'] } });
    const r6 = (
      await admin(http().post('/v1/audit/disclosures'))
        .send({ nir: nirOf(6) })
        .expect(200)
    ).body;
    expect(r6.disclosures).toContainEqual(
      expect.objectContaining({
        partnerId: P.spsti.partnerId,
        what: expect.objectContaining({ type: 'sick-leave' }),
        why: expect.objectContaining({ legalBasis: 'legal-obligation-L4622-2-1', ruleId: 'eligible-sick-leave-to-spsti' }),
      }),
    );
    expect(r6.disclosures).toContainEqual(
      expect.objectContaining({
        partnerId: P.cpam.partnerId,
        what: expect.objectContaining({ type: 'accompaniment-report' }),
        why: expect.objectContaining({ legalBasis: 'legal-obligation-L4622-2-1' }),
      }),
    );
    const byCpam = (await admin(http().get(`/v1/audit/partners/${P.cpam.partnerId}`)).expect(200)).body as Json[];
    expect(byCpam.every((e) => e.partnerId === P.cpam.partnerId)).toBe(true);
    const caseTrail = (await admin(http().get(`/v1/audit/cases/${r1.disclosures[0] && firstItem.delivery.caseId}`)).expect(200)).body as Json[];
    expect(caseTrail.map((e) => e.action)).toEqual(expect.arrayContaining(['consent-recorded', 'chef-de-file-assigned', 'delivered', 'fhir-delivered', 'pulled-back']));
    await http()
      .post('/v1/audit/disclosures')
      .send({ nir: nirOf(1) })
      .expect(401);
  });

  it('lets a partner read only the timelines of cases delivered to it, and the chef de file hand over with a reason', async () => {
    const item = (await inbox(P.cap)).find((i) => i.delivery.referral?.rqth === true)!;
    const caseId = item.delivery.caseId;
    const t = (await as(P.cap, http().get(`/v1/cases/${caseId}/timeline`)).expect(200)).body;
    expect(t.events.map((e: Json) => e.type)).toEqual(expect.arrayContaining(['referral', 'measures-requested', 'delivery-delivered', 'chef-de-file-assigned']));
    expect(JSON.stringify(t)).not.toContain('irdp');
    await as(P.other, http().get(`/v1/cases/${caseId}/timeline`)).expect(404);
    // A referral about the same worker withheld from the service social: Cap emploi, which
    // received another item of the case, does not learn of it; its sender does.
    const withheld = signalement(2, { recipient: { category: 'service-social-carsat' }, consent: { granted: false, collectedAt: '2026-09-10T09:00:00Z' } });
    await send(withheld);
    const st = await status(withheld.signalementId, (x) => x.recipients.length === 1);
    expect(st.recipients[0]).toMatchObject({ partnerId: P.social.partnerId, status: 'withheld' });
    const capView = (await as(P.cap, http().get(`/v1/cases/${caseId}/timeline`)).expect(200)).body;
    expect(JSON.stringify(capView)).not.toContain(st.referralId);
    expect(JSON.stringify(capView)).not.toContain(P.social.partnerId);
    expect(capView.events.filter((e: Json) => e.type === 'referral')).toHaveLength(1);
    const senderView = (await as(P.spsti, http().get(`/v1/cases/${caseId}/timeline`)).expect(200)).body;
    expect(senderView.events).toContainEqual(expect.objectContaining({ type: 'delivery-withheld', detail: expect.objectContaining({ subjectId: st.referralId, partnerId: P.social.partnerId }) }));
    await as(P.cap, http().post(`/v1/cases/${caseId}/chef-de-file`))
      .send({ partnerId: P.cap.partnerId, reason: 'je prends la main' })
      .expect(403);
    await as(P.spsti, http().post(`/v1/cases/${caseId}/chef-de-file`))
      .send({ partnerId: P.cap.partnerId })
      .expect(400);
    const moved = (
      await as(P.spsti, http().post(`/v1/cases/${caseId}/chef-de-file`))
        .send({ partnerId: P.cap.partnerId, reason: 'RQTH obtenue, maintien porté par Cap emploi' })
        .expect(201)
    ).body;
    expect(moved.chefDeFile).toMatchObject({ partnerId: P.cap.partnerId, category: 'cap-emploi', assignedBy: 'manual', reason: 'RQTH obtenue, maintien porté par Cap emploi' });
    const trail = (await admin(http().get(`/v1/audit/cases/${caseId}`)).expect(200)).body as Json[];
    expect(trail.at(-1)).toMatchObject({ action: 'chef-de-file-reassigned', partnerId: P.cap.partnerId, actor: P.spsti.partnerId });
  });

  it("audits every operator's action with who did it ('admin'), and the whole trail verifies as one chain", async () => {
    await admin(http().post('/v1/ops/routing-rules/reload')).expect(200);
    // Every endpoint answers now: whatever is still pending is pushed and taken.
    const retried = (await admin(http().post('/v1/ops/fhir/retry')).expect(200)).body;
    expect(retried.delivered).toBe(retried.retried);
    await admin(http().post(`/v1/cases/${firstItem.delivery.caseId}/chef-de-file/admin`))
      .send({ partnerId: P.spsti.partnerId, reason: 'operators settle a dispute between partners' })
      .expect(200);
    const { rows } = await hub.db.query<{ action: string; subject_id: string; detail: Json }>(`SELECT action, subject_id, detail FROM audit_log WHERE actor = 'admin' ORDER BY audit_id`);
    // Registrations (by hand and from the FHIR directory), the adhesion import, the FHIR consent
    // import and what it recorded, the FHIR retry, the rules reload, the re-assignment.
    expect(rows.map((r) => r.action)).toEqual(
      expect.arrayContaining(['partner-registered', 'adhesions-imported', 'consents-imported', 'consent-recorded', 'fhir-retried', 'rules-reloaded', 'chef-de-file-reassigned']),
    );
    const registered = rows.filter((r) => r.action === 'partner-registered');
    expect(registered.map((r) => r.subject_id)).toEqual(expect.arrayContaining(Object.values(P).map((p) => p.partnerId)));
    expect(registered.map((r) => r.detail.source)).toEqual(expect.arrayContaining(['api', 'fhir']));
    const trail = JSON.stringify(rows);
    expect(Object.values(P).some((p) => trail.includes(p.apiKey))).toBe(false);

    await http().get('/v1/audit/verify').expect(401);
    const verified = (await admin(http().get('/v1/audit/verify')).expect(200)).body;
    const { rows: count } = await hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log');
    expect(verified).toMatchObject({ ok: true, lastHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(verified.rows).toBeGreaterThan(rows.length);
    expect(verified.rows).toBeLessThanOrEqual(count[0].n);
  });

  it('updates a delivered referral on every channel when its sender corrects it (inbox, Kafka, webhook, FHIR Task); an older version changes nothing', async () => {
    const hook = new WebhookReceiver();
    hook.secret = (
      await admin(http().put(`/v1/partners/${P.social.partnerId}/webhook`))
        .send({ url: await hook.start() })
        .expect(200)
    ).body.secret;
    try {
      const original = signalement(60, { urgency: 'normale', sentAt: '2026-09-10T10:00:00Z' });
      await send(original);
      const item = await referralItem(P.social, original.signalementId);
      await status(original.signalementId, (x) => x.recipients.some((r: Json) => r.partnerId === P.social.partnerId && r.fhir === 'delivered'));
      await as(P.social, http().post(`/v1/inbox/${item.itemId}/ack`))
        .send({})
        .expect(200);

      const corrected: Signalement = { ...original, messageId: `${original.messageId}-c`, urgency: 'urgente', sentAt: '2026-09-11T08:00:00Z' };
      await send(corrected);
      // The inbox: the same item, pending again, in version 2 with the corrected content.
      const updated = await eventually(async () => (await inbox(P.social)).find((i) => i.itemId === item.itemId && i.delivery.referral?.urgency === 'urgente'), 'the corrected item');
      expect(updated).toMatchObject({ status: 'updated', version: 2 });
      // Kafka: a second record for the item, under a new idempotency key.
      const records = await eventually(async () => {
        const r = (await topicDeliveries(P.social)).filter((m) => m.d.deliveryId === item.itemId);
        return r.length === 2 ? r : undefined;
      }, 'the correction on the Kafka topic');
      expect(records.map((m) => m.d.referral.urgency)).toEqual(['normale', 'urgente']);
      expect(records[0].d.idempotencyKey).not.toBe(records[1].d.idempotencyKey);
      // The webhook: version 1, then version 2.
      const calls = await eventually(async () => {
        const c = hook.accepted((e) => e.data.itemId === item.itemId);
        return c.length === 2 ? c : undefined;
      }, 'both webhook calls');
      expect(calls.map((c) => [c.event!.data.version, (c.event!.data.delivery as Json).referral.urgency])).toEqual([
        [1, 'normale'],
        [2, 'urgente'],
      ]);
      // FHIR: the same Task, updated (urgente is asap), and a Communication per version.
      const [task] = await eventually(async () => {
        const t = await tasks(item.itemId);
        return t[0]?.priority === 'asap' ? t : undefined;
      }, 'the FHIR Task updated');
      expect(task).toMatchObject({ status: 'requested', meta: { versionId: '2' } });
      const comms = (await fhir().client.search({ resourceType: 'Communication', searchParams: { identifier: `${FhirSystems.deliveryId}|${item.itemId}` } })) as Json;
      expect(comms.entry).toHaveLength(2);

      // The original sent again (late): traced, and nothing changes.
      const late = { ...original, messageId: `${original.messageId}-late` };
      await send(late);
      await eventually(async () => ((await admin(http().get(`/v1/messages/${late.messageId}`))).status === 200 ? true : undefined), 'the late message traced');
      expect((await as(P.social, http().get(`/v1/inbox/${item.itemId}`)).expect(200)).body).toMatchObject({ version: 2, delivery: { referral: { urgency: 'urgente' } } });
      expect((await topicDeliveries(P.social)).filter((m) => m.d.deliveryId === item.itemId)).toHaveLength(2);
    } finally {
      await admin(http().delete(`/v1/partners/${P.social.partnerId}/webhook`)).expect(200);
      await hook.stop();
    }
  });

  it('carries signalements in the other directions too: service social → SPSTI, Cap emploi → service social', async () => {
    const consent = { granted: true, collectedAt: '2026-09-10T09:00:00Z', collectedBy: 'Mme Petit', evidenceRef: 'fiche-retour' };
    const toSpsti = signalementOf(61, { sender: { partnerId: P.social.partnerId, professional: 'assistante sociale' }, recipient: { category: 'spsti' } }, { signalementId: 'sig-61-retour', consent });
    await send(toSpsti, P.social);
    // The worker's SPSTI is her employer's (the adhesion directory), not a territory's.
    const atSpsti = await referralItem(P.spsti, toSpsti.signalementId);
    expect(atSpsti.delivery).toMatchObject({ legalBasis: 'consent', referral: { sender: { partnerId: P.social.partnerId, category: 'service-social-carsat' } } });
    const seen = await status(toSpsti.signalementId, (x) => x.recipients.some((r: Json) => r.category === 'spsti'), P.social);
    expect(seen.recipients.find((r: Json) => r.category === 'spsti')).toMatchObject({ partnerId: P.spsti.partnerId, status: 'delivered' });

    const toSocial = signalementOf(62, { sender: { partnerId: P.cap.partnerId }, recipient: { category: 'service-social-carsat' } }, { signalementId: 'sig-62-retour', consent });
    await send(toSocial, P.cap);
    const atSocial = await referralItem(P.social, toSocial.signalementId);
    expect(atSocial.delivery.referral).toMatchObject({ sender: { partnerId: P.cap.partnerId, category: 'cap-emploi' } });
    expect((await as(P.social, http().get(`/v1/inbox/${atSocial.itemId}`)).expect(200)).body.worker).toMatchObject({ nir: nirOf(62) });
  });

  it('imports FR Core organisations as the Annuaire Santé publishes them, and owns its FHIR Tasks by an FR Core Organization with the SIRET and FINESS', async () => {
    const { client, baseUrl } = fhir();
    const frCore = (code: string) => ({ coding: [{ system: FhirSystems.frCoreIdentifierType, code }] });
    const TYPE = { system: 'https://mos.esante.gouv.fr/NOS/TRE_R66-CategorieEtablissement/FHIR/TRE-R66-CategorieEtablissement', code: 'cap-emploi-test' };
    const siret = siretOf(63);
    const finess = '690012345';
    const endpoint = await fhirEndpointOn(client, baseUrl);
    // No hub identifier: the Annuaire Santé's identifiers (idNatSt, SIRET, FINESS) and its type.
    // (Created once on this server: both modes' runs share it.)
    await client.create({
      resourceType: 'Organization',
      options: { headers: { 'If-None-Exist': `identifier=${FhirSystems.idNatSt}|3${siret}` } },
      body: {
        resourceType: 'Organization',
        meta: { profile: [FrCoreProfiles.organization] },
        identifier: [
          { use: 'official', type: frCore('IDNST'), system: FhirSystems.idNatSt, value: `3${siret}` },
          { use: 'official', type: frCore('SIRET'), system: FhirSystems.sirene, value: siret },
          { use: 'official', type: frCore('FINEG'), system: FhirSystems.finess, value: finess },
        ],
        active: true,
        type: [{ coding: [TYPE] }],
        name: 'Cap emploi Rhône (Annuaire Santé)',
        address: [{ postalCode: '69007', city: 'Lyon' }],
        endpoint: [{ reference: `Endpoint/${endpoint.id}` }],
      },
    });
    await admin(http().post('/v1/partners/import-fhir'))
      .send({ baseUrl, type: `${TYPE.system}|${TYPE.code}` })
      .expect(400);
    const imported = (
      await admin(http().post('/v1/partners/import-fhir'))
        .send({ baseUrl, category: 'cap-emploi', type: `${TYPE.system}|${TYPE.code}`, departement: '69' })
        .expect(201)
    ).body;
    const partnerId = `cap-emploi-${siret}`;
    expect(imported.imported).toEqual([expect.objectContaining({ partnerId, category: 'cap-emploi', departements: ['69'], fhirEndpoint: baseUrl, siret, finess })]);
    expect((await admin(http().get('/v1/partners')).expect(200)).body).toContainEqual(expect.objectContaining({ partnerId, siret, finess }));

    const s = signalement(63, { reason: 'handicap-rqth', recipient: { partnerId }, consent: { granted: true, collectedAt: '2026-09-10T09:00:00Z', categories: ['cap-emploi'] } });
    await send(s);
    await status(s.signalementId, (x) => x.recipients.some((r: Json) => r.partnerId === partnerId && r.fhir === 'delivered'));
    const [task] = await tasks(decisionIdOf(referralIdOf(P.spsti.partnerId, s.signalementId), 'cap-emploi'));
    // The Task's owner: an FR Core Organization (contained), its SIRET and FINESS typed as the profile's slices want.
    expect(task.owner).toEqual({ reference: '#owner', identifier: { system: FhirSystems.partnerId, value: partnerId } });
    const owner = task.contained.find((r: Json) => r.id === 'owner') as Json;
    expect(owner.meta.profile).toEqual([FrCoreProfiles.organization]);
    expect(owner.identifier).toEqual([
      { use: 'official', type: frCore('SIRET'), system: FhirSystems.sirene, value: siret },
      { use: 'official', type: frCore('FINEG'), system: FhirSystems.finess, value: finess },
      { system: FhirSystems.partnerId, value: partnerId },
    ]);
    expect(owner.name).toBe('Cap emploi Rhône (Annuaire Santé)');
    const patient = (await client.read({ resourceType: 'Patient', id: (task.for.reference as string).split('/')[1] })) as Json;
    expect(patient.meta.profile).toEqual([FrCoreProfiles.patient]);
    // The server validates the Patient and the Task with its Organization against FHIR R4 (the FR Core definitions cannot be had here).
    for (const r of [patient, task]) {
      const outcome = (await client.operation({ name: '$validate', resourceType: r.resourceType, input: { resourceType: 'Parameters', parameter: [{ name: 'resource', resource: r }] } })) as Json;
      const errors = (outcome.issue ?? []).filter((i: Json) => (i.severity === 'error' || i.severity === 'fatal') && !/fr-core-(patient|organization)/.test(i.diagnostics ?? ''));
      expect([r.resourceType, errors]).toEqual([r.resourceType, []]);
    }
  });

  it('rejects invalid signalements (400 RFC 7807, dead letters) and never lets a NIR reach a log, a key or a delivery', async () => {
    const bad = await as(P.spsti, http().post('/v1/signalements'))
      .send({ ...signalement(7), worker: { nir: nirOf(7).slice(0, 13) + '00' }, pyramide: 'T9' })
      .expect(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect(bad.body.errors).toEqual(expect.arrayContaining([{ path: '/pyramide', message: 'must be equal to one of the allowed values' }]));
    await as(P.spsti, http().post('/v1/signalements'))
      .send(signalement(7, { sender: { partnerId: P.cap.partnerId } }))
      .expect(403);
    await http().post('/v1/signalements').send(signalement(7)).expect(401);
    const unknown = await as(P.spsti, http().post('/v1/signalements'))
      .send(signalement(7, { recipient: { category: 'cap-emploi', partnerId: 'cap-emploi-99' } }))
      .expect(400);
    expect(unknown.body.errors).toEqual([{ path: '/recipient/partnerId', message: 'cap-emploi-99 is not a registered partner' }]);
    const badOverKafka = { ...signalement(7), worker: { nir: nirOf(7).slice(0, 13) + '00' } };
    await hub.publish(SignalementTopics.signalementInbound, 'k-bad', JSON.stringify(badOverKafka));
    await eventually(
      async () =>
        (await admin(http().get('/v1/ops/dead-letters'))).body.items.some((d: Json) => d.sourceTopic === SignalementTopics.signalementInbound && d.reason === 'identifiers or dates are invalid'),
      'bad signalement dead-lettered',
    );
    // Its sender gets a final answer at the status URL: rejected, and why.
    const rejected = (await as(P.spsti, http().get(`/v1/signalements/${badOverKafka.signalementId}/status`)).expect(200)).body;
    expect(rejected).toMatchObject({ signalementId: badOverKafka.signalementId, status: 'rejected', reason: 'identifiers or dates are invalid' });
    await as(P.cap, http().get(`/v1/signalements/${badOverKafka.signalementId}/status`)).expect(404);

    const identifiers = [1, 2, 3, 4, 5, 6, 7, 8].flatMap((n) => [nirOf(n), nirOf(n).slice(0, 13)]);
    const topics = await hub.listTopics();
    for (const who of Object.values(P).filter((p) => topics.includes(inboxTopic(p.partnerId)))) {
      for (const r of await hub.readTopic(inboxTopic(who.partnerId)))
        for (const id of identifiers) {
          expect(r.key ?? '').not.toContain(id);
          expect(r.value.toString()).not.toContain(id);
        }
    }
    for (const r of await hub.readTopic(SignalementTopics.signalementInbound)) for (const id of identifiers) expect(r.key ?? '').not.toContain(id);
    for (const line of logs.lines) for (const id of identifiers) expect(line).not.toContain(id);
  });
}
