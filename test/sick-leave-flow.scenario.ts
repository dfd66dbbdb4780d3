import request from 'supertest';
import { DeadLetter, InboxDelivery, inboxTopic, Topics } from '@pdp/contracts';
import { addDays } from '@pdp/domain';
import { eventually, HubUnderTest } from './support/harness';
import { LogCapture } from './support/log-capture';
import { employerDeclaration, nirOf, sickLeave, siretOf } from './support/fixtures';
import { documented } from './support/openapi-responses';

/**
 * The foundation's end-to-end scenario, run against the embedded hub and against the
 * distributed one (Kafka + PostgreSQL): sick leaves reach the worker's SPSTI.
 */
export function sickLeaveFlowScenario(start: () => Promise<HubUnderTest>): void {
  let hub: HubUnderTest;
  let logs: LogCapture;
  const nirs = [1, 2, 3, 4, 5, 6, 7].map(nirOf);
  const A = { partnerId: 'spsti-a', apiKey: 'key-spsti-a-0123456789' };
  const B = { partnerId: 'spsti-b', apiKey: 'key-spsti-b-0123456789' };

  const http = () => request(hub.http.getHttpServer());
  const admin = (req: request.Test) => req.set('X-Api-Key', hub.adminKey);
  const inbox = async (p: { apiKey: string }, status = 'pending') =>
    (await documented(await http().get(`/v1/inbox?status=${status}`).set('Authorization', `Bearer ${p.apiKey}`).expect(200), 'GET /v1/inbox')).body.items as {
      itemId: string;
      status: string;
      version: number;
      delivery: InboxDelivery;
    }[];
  // Every trace read is checked against the document, the 404 of a message still in flight too.
  const trace = async (messageId: string) => (await documented(await admin(http().get(`/v1/messages/${messageId}`)), 'GET /v1/messages/{messageId}')).body;
  const itemFor = (p: { apiKey: string }, messageId: string, minVersion = 1) =>
    eventually(
      async () =>
        (await inbox(p, 'pending')).find((i) => i.delivery.caseEvent.sourceMessageId === messageId && i.version >= minVersion) ??
        (await inbox(p, 'acknowledged')).find((i) => i.delivery.caseEvent.sourceMessageId === messageId && i.version >= minVersion),
      `inbox item for ${messageId}`,
    );

  beforeAll(async () => {
    logs = new LogCapture().install();
    hub = await start();
    const registered = await admin(http().post('/v1/partners'))
      .send({ ...A, category: 'spsti', name: 'SPSTI A', departements: ['69'] })
      .expect(201);
    await documented(registered, 'POST /v1/partners');
    expect(registered.body).toEqual({ partnerId: A.partnerId, category: 'spsti', name: 'SPSTI A', region: null, departements: ['69'], fhirEndpoint: null });
    await admin(http().post('/v1/partners'))
      .send({ ...B, category: 'spsti', name: 'SPSTI B', departements: ['38'] })
      .expect(201);
    const csv = `siret;spsti_id;valid_from;valid_to\n${siretOf(1)};spsti-a;2020-01-01;\n${siretOf(2)};spsti-b;2020-01-01;\n`;
    const imported = await documented(await admin(http().post('/v1/directory/adhesions')).set('Content-Type', 'text/csv').send(csv).expect(201), 'POST /v1/directory/adhesions');
    expect(imported.body).toMatchObject({ imported: 2, released: 0 });
  });

  afterAll(async () => {
    await hub?.close();
    logs?.uninstall();
  });

  it('delivers a leave received over Kafka to the SPSTI of its employer, pseudonymised', async () => {
    const leave = sickLeave({ n: 1, leaveId: 'aat-kafka-1', employer: { siret: siretOf(1) } });
    await hub.publish(Topics.sickLeaveInbound, leave.leaveId, JSON.stringify(leave));
    const item = await itemFor(A, leave.messageId);
    expect(item.status).toBe('new');
    expect(item.delivery.caseEvent).toMatchObject({ employerSiret: siretOf(1), cumulatedDays: 45, eligible: true, legalBasis: 'legal-obligation-L4622-2-1' });
    expect(JSON.stringify(item)).not.toContain(nirs[0]);
    expect((await inbox(B)).some((i) => i.itemId === item.itemId)).toBe(false);
  });

  it('accepts a leave over HTTP with 202, and a prolongation updates the same episode', async () => {
    const initial = sickLeave({ n: 2, leaveId: 'aat-http-2', employer: { siret: siretOf(2) }, startDate: '2026-09-01', expectedEndDate: '2026-09-20' });
    const res = await documented(await http().post('/v1/sick-leaves').send(initial).expect(202), 'POST /v1/sick-leaves');
    expect(res.body).toMatchObject({ messageId: initial.messageId, status: 'accepted' });
    // 20 days and no risk: not transmitted yet.
    await eventually(async () => (await trace(initial.messageId)).status === 'not-eligible', 'initial leave traced as not eligible');

    const prolongation = sickLeave({
      n: 2,
      leaveId: 'aat-http-2-p1',
      kind: 'prolongation',
      initialLeaveId: 'aat-http-2',
      employer: { siret: siretOf(2) },
      startDate: '2026-09-21',
      expectedEndDate: '2026-10-20',
    });
    await http().post('/v1/sick-leaves').send(prolongation).expect(202);
    const item = await itemFor(B, prolongation.messageId, 2);
    expect(item.delivery.caseEvent).toMatchObject({ startDate: '2026-09-01', expectedEndDate: '2026-10-20', cumulatedDays: 50, prolongationCount: 1, episodeVersion: 2 });

    const second = sickLeave({
      n: 2,
      leaveId: 'aat-http-2-p2',
      kind: 'prolongation',
      initialLeaveId: 'aat-http-2',
      employer: { siret: siretOf(2) },
      startDate: '2026-10-21',
      expectedEndDate: '2026-11-10',
    });
    await http().post('/v1/sick-leaves').send(second).expect(202);
    const updated = await itemFor(B, second.messageId, 3);
    expect(updated.itemId).toBe(item.itemId);
    expect(updated.delivery.caseEvent).toMatchObject({ cumulatedDays: 71, prolongationCount: 2 });
    expect((await inbox(B, 'pending')).filter((i) => i.itemId === item.itemId)).toHaveLength(1);
  });

  it('yields a single inbox item for a notification received twice', async () => {
    const leave = sickLeave({ n: 3, leaveId: 'aat-dup-3', employer: { siret: siretOf(1) }, pdpRisk: true, expectedEndDate: '2026-09-10' });
    await hub.publish(Topics.sickLeaveInbound, leave.leaveId, JSON.stringify(leave));
    const item = await itemFor(A, leave.messageId);
    await http().post('/v1/sick-leaves').send(leave).expect(202);
    await hub.publish(Topics.sickLeaveInbound, leave.leaveId, JSON.stringify({ ...leave, messageId: `${leave.messageId}-resent` }));
    // A later message proves both duplicates were consumed before we count.
    const marker = sickLeave({ n: 4, leaveId: 'aat-marker-4', employer: { siret: siretOf(1) } });
    await hub.publish(Topics.sickLeaveInbound, marker.leaveId, JSON.stringify(marker));
    await itemFor(A, marker.messageId);
    const all = [...(await inbox(A, 'pending')), ...(await inbox(A, 'acknowledged'))];
    expect(all.filter((i) => i.itemId === item.itemId)).toHaveLength(1);
    expect(all.find((i) => i.itemId === item.itemId)!.version).toBe(1);
    const onTopic = (await hub.readTopic(inboxTopic('spsti-a'))).map((r) => JSON.parse(r.value.toString()) as InboxDelivery);
    expect(onTopic.filter((d) => d.deliveryId === item.itemId)).toHaveLength(1);
    // The copy re-sent under a new message id is not lost: its trace points at the one that counted.
    expect(await trace(`${leave.messageId}-resent`)).toMatchObject({ status: 'delivered', duplicateOf: leave.messageId });
    expect((await trace(leave.messageId)).duplicateOf).toBeUndefined();
  });

  it('still takes a leave whose episode row is gone but whose inbox item is not (an item is inserted unprobed only for a new episode)', async () => {
    const leave = sickLeave({ n: 6, leaveId: 'aat-gone-6', employer: { siret: siretOf(1) } });
    await hub.publish(Topics.sickLeaveInbound, leave.leaveId, JSON.stringify(leave));
    const item = await itemFor(A, leave.messageId);
    // As older data or a partial erasure could leave it: the item without its episode.
    await hub.db.query(`DELETE FROM leave_messages WHERE episode_id = $1`, [item.delivery.caseEvent.episodeId]);
    await hub.db.query(`DELETE FROM episodes WHERE episode_id = $1`, [item.delivery.caseEvent.episodeId]);
    const again = { ...leave, messageId: `${leave.messageId}-after-loss` };
    await hub.publish(Topics.sickLeaveInbound, again.leaveId, JSON.stringify(again));
    const traced = await eventually(async () => {
      const r = await trace(again.messageId);
      return r.status === 'delivered' ? r : undefined;
    }, 'the leave traced again');
    expect(traced.deliveredTo).toEqual([{ partnerId: 'spsti-a', itemId: item.itemId, version: 1 }]);
    const all = [...(await inbox(A, 'pending')), ...(await inbox(A, 'acknowledged'))];
    expect(all.filter((i) => i.itemId === item.itemId)).toHaveLength(1);
  });

  it('parks a leave whose employer is unknown, then delivers it once the directory learns the employer', async () => {
    const leave = sickLeave({ n: 5, leaveId: 'aat-unknown-5', employer: { siret: siretOf(99) } });
    await http().post('/v1/sick-leaves').send(leave).expect(202);
    const parkedTrace = await eventually(async () => {
      const r = await trace(leave.messageId);
      return r.status === 'parked' ? r : undefined;
    }, 'parked trace');
    expect(parkedTrace.reason).toContain(siretOf(99));
    const parked = (await documented(await admin(http().get('/v1/ops/parked')).expect(200), 'GET /v1/ops/parked')).body as { employerSiret: string }[];
    expect(parked.map((p) => p.employerSiret)).toContain(siretOf(99));
    expect((await hub.readTopic(Topics.caseParked)).length).toBeGreaterThanOrEqual(1);

    const r = await admin(http().post('/v1/directory/adhesions'))
      .send([{ siret: siretOf(99), spstiId: 'spsti-b', validFrom: '2021-03-01' }])
      .expect(201);
    await documented(r, 'POST /v1/directory/adhesions');
    expect(r.body.released).toBe(1);
    const adhesions = await documented(await admin(http().get(`/v1/directory/adhesions/${siretOf(99)}`)).expect(200), 'GET /v1/directory/adhesions/{siret}');
    expect(adhesions.body.adhesions).toEqual([{ siret: siretOf(99), spstiId: 'spsti-b', validFrom: '2021-03-01', validTo: null }]);
    const item = await itemFor(B, leave.messageId);
    expect(item.delivery.caseEvent.employerSiret).toBe(siretOf(99));
    await eventually(async () => (await admin(http().get('/v1/ops/parked'))).body.every((p: { employerSiret: string }) => p.employerSiret !== siretOf(99)), 'parked list emptied');
    expect(await trace(leave.messageId)).toMatchObject({ status: 'delivered', deliveredTo: [{ partnerId: 'spsti-b' }] });
  });

  it('dead-letters malformed messages with their reason and original bytes, and answers HTTP with RFC 7807', async () => {
    const notJson = Buffer.from('{not json');
    const schemaViolation = JSON.stringify({ ...sickLeave({ n: 6 }), messageId: 'bad-schema-0001', nature: 'grippe', startDate: 'hier' });
    const badKey = JSON.stringify({ ...sickLeave({ n: 6 }), messageId: 'bad-nir-key-0001', worker: { nir: nirs[5].slice(0, 13) + '00' } });
    const badDates = JSON.stringify({ ...sickLeave({ n: 6 }), messageId: 'bad-dates-0001', startDate: '2026-10-01', expectedEndDate: '2026-09-01' });
    for (const [k, v] of [
      ['x1', notJson],
      ['x2', schemaViolation],
      ['x3', badKey],
      ['x4', badDates],
    ] as const)
      await hub.publish(Topics.sickLeaveInbound, k, v);

    const letters = await eventually(async () => {
      const all = (await hub.readTopic(Topics.deadLetter)).map((r) => ({ key: r.key, dl: JSON.parse(r.value.toString()) as DeadLetter }));
      return all.length >= 4 ? all : undefined;
    }, 'four dead letters');
    const byOriginal = (s: Buffer | string) => letters.find((l) => Buffer.from(l.dl.originalBytesBase64, 'base64').equals(Buffer.from(s)))?.dl;
    expect(byOriginal(notJson)).toMatchObject({ stage: 'normalizer', reason: 'message is not JSON', sourceTopic: Topics.sickLeaveInbound });
    expect(byOriginal(schemaViolation)?.errors.map((e) => e.path)).toEqual(expect.arrayContaining(['/nature', '/startDate']));
    expect(byOriginal(badKey)).toMatchObject({ reason: 'identifiers or dates are invalid', errors: [{ path: '/worker/nir', message: 'NIR key does not match' }] });
    expect(byOriginal(badDates)?.errors).toEqual([{ path: '/expectedEndDate', message: 'is before startDate' }]);
    for (const l of letters) expect(l.key).toBe(l.dl.deadLetterId);
    expect((await trace('bad-nir-key-0001')).status).toBe('dead-lettered');

    const res = await http()
      .post('/v1/sick-leaves')
      .send({ ...sickLeave({ n: 6 }), employer: { siret: '12345678901234' }, pdpRisk: 'yes' })
      .expect(400);
    await documented(res, 'POST /v1/sick-leaves');
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body).toMatchObject({ status: 400, instance: '/v1/sick-leaves' });
    expect(res.body.errors).toEqual(expect.arrayContaining([{ path: '/pdpRisk', message: 'must be boolean' }]));
    const badSiret = await http()
      .post('/v1/sick-leaves')
      .send({ ...sickLeave({ n: 6 }), employer: { siret: '12345678901234' } })
      .expect(400);
    await documented(badSiret, 'POST /v1/sick-leaves');
    expect(badSiret.body.errors).toEqual([{ path: '/employer/siret', message: 'SIRET fails the Luhn check' }]);
    const malformed = await documented(await http().post('/v1/sick-leaves').set('Content-Type', 'application/json').send('{oops').expect(400), 'POST /v1/sick-leaves');
    expect(malformed.headers['content-type']).toContain('application/problem+json');
  });

  it('routes an employer declaration of 30 days or more, and rejects a shorter one', async () => {
    const decl = employerDeclaration({ n: 7, employer: { siret: siretOf(1) }, startDate: '2026-08-01', expectedEndDate: addDays('2026-08-01', 39) });
    await documented(await http().post('/v1/employer-leave-declarations').send(decl).expect(202), 'POST /v1/employer-leave-declarations');
    const item = await itemFor(A, decl.messageId);
    expect(item.delivery.caseEvent).toMatchObject({ source: 'employer', legalBasis: 'employer-declaration', cumulatedDays: 40 });
    const short = employerDeclaration({ n: 7, employer: { siret: siretOf(1) }, startDate: '2026-11-01', expectedEndDate: '2026-11-05' });
    await http().post('/v1/employer-leave-declarations').send(short).expect(202);
    await eventually(async () => (await trace(short.messageId)).status === 'not-eligible', 'short declaration not eligible');
  });

  it('lets a partner read and acknowledge only its own inbox', async () => {
    const [itemOfA] = await inbox(A);
    expect(itemOfA).toBeDefined();
    await documented(await http().get(`/v1/inbox/${itemOfA.itemId}`).set('X-Api-Key', B.apiKey).expect(404), 'GET /v1/inbox/{itemId}');
    await documented(await http().post(`/v1/inbox/${itemOfA.itemId}/ack`).set('X-Api-Key', B.apiKey).expect(404), 'POST /v1/inbox/{itemId}/ack');
    await documented(await http().get('/v1/inbox').expect(401), 'GET /v1/inbox');
    await http().get('/v1/inbox').set('X-Api-Key', 'not-a-key').expect(401);
    await documented(await http().get('/v1/inbox?status=read').set('X-Api-Key', A.apiKey).expect(400), 'GET /v1/inbox');
    const own = await documented(await http().get(`/v1/inbox/${itemOfA.itemId}`).set('X-Api-Key', A.apiKey).expect(200), 'GET /v1/inbox/{itemId}');
    expect(own.body.delivery.partnerId).toBe('spsti-a');
    const acked = await documented(await http().post(`/v1/inbox/${itemOfA.itemId}/ack`).set('X-Api-Key', A.apiKey).send({ version: itemOfA.version }).expect(200), 'POST /v1/inbox/{itemId}/ack');
    expect(acked.body.status).toBe('acknowledged');
    expect((await inbox(A)).some((i) => i.itemId === itemOfA.itemId)).toBe(false);
    await documented(await admin(http().get('/v1/partners')).expect(200), 'GET /v1/partners');
    await documented(await http().get('/v1/partners').set('X-Api-Key', A.apiKey).expect(401), 'GET /v1/partners');
    await documented(await http().get('/health').expect(200), 'GET /health');
  });

  it('never lets a NIR reach a log line, a topic key or a downstream topic', async () => {
    const topics = await hub.listTopics();
    expect(topics).toEqual(expect.arrayContaining([Topics.sickLeaveInbound, Topics.caseNormalized, Topics.deadLetter, inboxTopic('spsti-a'), inboxTopic('spsti-b')]));
    const identifiers = nirs.flatMap((n) => [n, n.slice(0, 13)]);
    for (const topic of topics) {
      const records = await hub.readTopic(topic);
      const inbound = topic === Topics.sickLeaveInbound || topic === Topics.employerLeaveInbound;
      for (const r of records) {
        for (const id of identifiers) {
          expect(r.key ?? '').not.toContain(id);
          // Inbound topics carry the senders' messages as sent; everything downstream is pseudonymised.
          if (!inbound && topic !== Topics.deadLetter) expect(r.value.toString()).not.toContain(id);
        }
      }
    }
    expect(logs.lines.length).toBeGreaterThan(0);
    for (const line of logs.lines) for (const id of identifiers) expect(line).not.toContain(id);
  });
}
