import { IdentityKeyring } from '@pdp/identity';
import request from 'supertest';
import { DeadLetter, InboxDelivery, inboxTopic, Topics } from '@pdp/contracts';
import { addDays } from '@pdp/domain';
import { eventually, HubUnderTest } from './support/harness';
import { LogCapture } from './support/log-capture';
import { employerDeclaration, nirOf, sickLeave, siretOf } from './support/fixtures';

/**
 * The foundation's end-to-end scenario, run against the embedded hub and against the
 * distributed one (Kafka + PostgreSQL): sick leaves reach the worker's SPSTI.
 */
export function sickLeaveFlowScenario(start: () => Promise<HubUnderTest>): void {
  let hub: HubUnderTest;
  let logs: LogCapture;
  /** The employers' payroll software: a sender account, authenticated with an OAuth2 access token. */
  let payrollToken: string;
  const nirs = [1, 2, 3, 4, 5, 6, 7].map(nirOf);
  const INSURER = { partnerId: 'cpam-69', apiKey: 'key-cpam-69-0123456789', category: 'cpam', name: 'CPAM du Rhône', departements: ['69'] };
  const A = { partnerId: 'spsti-a', apiKey: 'key-spsti-a-0123456789' };
  const B = { partnerId: 'spsti-b', apiKey: 'key-spsti-b-0123456789' };

  const http = () => request(hub.http.getHttpServer());
  const admin = (req: request.Test) => req.set('X-Api-Key', hub.adminKey);
  const inbox = async (p: { apiKey: string }, status = 'pending') =>
    (await http().get(`/v1/inbox?status=${status}`).set('Authorization', `Bearer ${p.apiKey}`).expect(200)).body.items as {
      itemId: string;
      status: string;
      version: number;
      delivery: InboxDelivery;
    }[];
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
    await admin(http().post('/v1/partners'))
      .send({ ...A, category: 'spsti', name: 'SPSTI A', departements: ['69'] })
      .expect(201);
    await admin(http().post('/v1/partners')).send(INSURER).expect(201);
    await admin(http().post('/v1/partners'))
      .send({ ...B, category: 'spsti', name: 'SPSTI B', departements: ['38'] })
      .expect(201);
    const csv = `siret;spsti_id;valid_from;valid_to\n${siretOf(1)};spsti-a;2020-01-01;\n${siretOf(2)};spsti-b;2020-01-01;\n`;
    const imported = await admin(http().post('/v1/directory/adhesions')).set('Content-Type', 'text/csv').send(csv).expect(201);
    expect(imported.body).toMatchObject({ imported: 2, released: 0 });
    const payroll = await admin(http().post('/v1/accounts')).send({ accountId: 'payroll-software', role: 'sender', name: 'Logiciel de paie' }).expect(201);
    const token = await http()
      .post('/oauth/token')
      .type('form')
      .send({ grant_type: 'client_credentials', client_id: payroll.body.credential.clientId, client_secret: payroll.body.credential.clientSecret })
      .expect(200);
    payrollToken = token.body.access_token;
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
    const res = await http().post('/v1/sick-leaves').set('X-Api-Key', INSURER.apiKey).send(initial).expect(202);
    expect(res.body).toMatchObject({ messageId: initial.messageId, status: 'accepted' });
    // 20 days and no risk: not transmitted yet.
    await eventually(async () => (await admin(http().get(`/v1/messages/${initial.messageId}`))).body.status === 'not-eligible', 'initial leave traced as not eligible');

    const prolongation = sickLeave({
      n: 2,
      leaveId: 'aat-http-2-p1',
      kind: 'prolongation',
      initialLeaveId: 'aat-http-2',
      employer: { siret: siretOf(2) },
      startDate: '2026-09-21',
      expectedEndDate: '2026-10-20',
    });
    await http().post('/v1/sick-leaves').set('X-Api-Key', INSURER.apiKey).send(prolongation).expect(202);
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
    await http().post('/v1/sick-leaves').set('X-Api-Key', INSURER.apiKey).send(second).expect(202);
    const updated = await itemFor(B, second.messageId, 3);
    expect(updated.itemId).toBe(item.itemId);
    expect(updated.delivery.caseEvent).toMatchObject({ cumulatedDays: 71, prolongationCount: 2 });
    expect((await inbox(B, 'pending')).filter((i) => i.itemId === item.itemId)).toHaveLength(1);
  });

  it("refuses a prolongation that names another worker than the episode's, and leaves the episode as it was", async () => {
    const initial = sickLeave({ n: 3, leaveId: 'aat-forge-3', employer: { siret: siretOf(2) }, pdpRisk: true });
    await http().post('/v1/sick-leaves').set('X-Api-Key', INSURER.apiKey).send(initial).expect(202);
    const before = await itemFor(B, initial.messageId);
    const forged = sickLeave({
      n: 9,
      leaveId: 'aat-forge-3-p1',
      kind: 'prolongation',
      initialLeaveId: 'aat-forge-3',
      employer: { siret: siretOf(1) },
      startDate: addDays(initial.expectedEndDate, 1),
      expectedEndDate: addDays(initial.expectedEndDate, 30),
    });
    await http().post('/v1/sick-leaves').set('X-Api-Key', INSURER.apiKey).send(forged).expect(202);
    const trace = await eventually(async () => {
      const t = (await admin(http().get(`/v1/messages/${forged.messageId}`))).body;
      return t.status === 'dead-lettered' ? t : undefined;
    }, 'forged prolongation dead-lettered');
    expect(trace.reason).toBe('names another person than the episode it continues');
    const after = (await inbox(B, 'pending')).find((i) => i.itemId === before.itemId)!;
    expect(after.version).toBe(before.version);
    expect(after.delivery.caseEvent).toMatchObject({ personPseudonym: before.delivery.caseEvent.personPseudonym, prolongationCount: 0 });
    expect((await inbox(A, 'pending')).some((i) => i.delivery.caseEvent.episodeId === before.delivery.caseEvent.episodeId)).toBe(false);
  });

  it('yields a single inbox item for a notification received twice', async () => {
    const leave = sickLeave({ n: 3, leaveId: 'aat-dup-3', employer: { siret: siretOf(1) }, pdpRisk: true, expectedEndDate: '2026-09-10' });
    await hub.publish(Topics.sickLeaveInbound, leave.leaveId, JSON.stringify(leave));
    const item = await itemFor(A, leave.messageId);
    await http().post('/v1/sick-leaves').set('X-Api-Key', INSURER.apiKey).send(leave).expect(202);
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
    expect((await admin(http().get(`/v1/messages/${leave.messageId}-resent`))).body).toMatchObject({ status: 'delivered', duplicateOf: leave.messageId });
    expect((await admin(http().get(`/v1/messages/${leave.messageId}`))).body.duplicateOf).toBeUndefined();
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
    const trace = await eventually(async () => {
      const r = (await admin(http().get(`/v1/messages/${again.messageId}`))).body;
      return r.status === 'delivered' ? r : undefined;
    }, 'the leave traced again');
    expect(trace.deliveredTo).toEqual([{ partnerId: 'spsti-a', itemId: item.itemId, version: 1 }]);
    const all = [...(await inbox(A, 'pending')), ...(await inbox(A, 'acknowledged'))];
    expect(all.filter((i) => i.itemId === item.itemId)).toHaveLength(1);
  });

  it('parks a leave whose employer is unknown, then delivers it once the directory learns the employer', async () => {
    const leave = sickLeave({ n: 5, leaveId: 'aat-unknown-5', employer: { siret: siretOf(99) } });
    await http().post('/v1/sick-leaves').set('X-Api-Key', INSURER.apiKey).send(leave).expect(202);
    const trace = await eventually(async () => {
      const r = await admin(http().get(`/v1/messages/${leave.messageId}`));
      return r.body.status === 'parked' ? r.body : undefined;
    }, 'parked trace');
    expect(trace.reason).toContain(siretOf(99));
    const parked = (await admin(http().get('/v1/ops/parked')).expect(200)).body.items as { employerSiret: string }[];
    expect(parked.map((p) => p.employerSiret)).toContain(siretOf(99));
    expect((await hub.readTopic(Topics.caseParked)).length).toBeGreaterThanOrEqual(1);

    const r = await admin(http().post('/v1/directory/adhesions'))
      .send([{ siret: siretOf(99), spstiId: 'spsti-b', validFrom: '2021-03-01' }])
      .expect(201);
    expect(r.body.released).toBe(1);
    const item = await itemFor(B, leave.messageId);
    expect(item.delivery.caseEvent.employerSiret).toBe(siretOf(99));
    await eventually(async () => (await admin(http().get('/v1/ops/parked'))).body.items.every((p: { employerSiret: string }) => p.employerSiret !== siretOf(99)), 'parked list emptied');
    expect((await admin(http().get(`/v1/messages/${leave.messageId}`))).body).toMatchObject({ status: 'delivered', deliveredTo: [{ partnerId: 'spsti-b' }] });
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

    const sent = [notJson, schemaViolation, badKey, badDates];
    // The topic carries the original bytes sealed: the hub's keyring opens them, bound to their dead letter.
    const keyring = hub.http.get(IdentityKeyring);
    const isOriginal = (l: { dl: DeadLetter }, s: Buffer | string) =>
      keyring.openBytes(l.dl.deadLetterId, { keyId: l.dl.original.keyId, sealed: Buffer.from(l.dl.original.sealedBase64, 'base64') }).equals(Buffer.from(s));
    // Other tests of the scenario dead-letter messages too: wait for these four.
    const letters = await eventually(async () => {
      const all = (await hub.readTopic(Topics.deadLetter)).map((r) => ({ key: r.key, dl: JSON.parse(r.value.toString()) as DeadLetter }));
      return sent.every((s) => all.some((l) => isOriginal(l, s))) ? all.filter((l) => sent.some((s) => isOriginal(l, s))) : undefined;
    }, 'four dead letters');
    const byOriginal = (s: Buffer | string) => letters.find((l) => isOriginal(l, s))?.dl;
    expect(byOriginal(notJson)).toMatchObject({ stage: 'normalizer', reason: 'message is not JSON', sourceTopic: Topics.sickLeaveInbound });
    expect(byOriginal(schemaViolation)?.errors.map((e) => e.path)).toEqual(expect.arrayContaining(['/nature', '/startDate']));
    expect(byOriginal(badKey)).toMatchObject({ reason: 'identifiers or dates are invalid', errors: [{ path: '/worker/nir', message: 'NIR key does not match' }] });
    expect(byOriginal(badDates)?.errors).toEqual([{ path: '/expectedEndDate', message: 'is before startDate' }]);
    for (const l of letters) expect(l.key).toBe(l.dl.deadLetterId);
    expect((await admin(http().get('/v1/messages/bad-nir-key-0001'))).body.status).toBe('dead-lettered');

    const res = await http()
      .post('/v1/sick-leaves')
      .set('X-Api-Key', INSURER.apiKey)
      .send({ ...sickLeave({ n: 6 }), employer: { siret: '12345678901234' }, pdpRisk: 'yes' })
      .expect(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body).toMatchObject({ status: 400, instance: '/v1/sick-leaves' });
    expect(res.body.errors).toEqual(expect.arrayContaining([{ path: '/pdpRisk', message: 'must be boolean' }]));
    const badSiret = await http()
      .post('/v1/sick-leaves')
      .set('X-Api-Key', INSURER.apiKey)
      .send({ ...sickLeave({ n: 6 }), employer: { siret: '12345678901234' } })
      .expect(400);
    expect(badSiret.body.errors).toEqual([{ path: '/employer/siret', message: 'SIRET fails the Luhn check' }]);
    const malformed = await http().post('/v1/sick-leaves').set('X-Api-Key', INSURER.apiKey).set('Content-Type', 'application/json').send('{oops').expect(400);
    expect(malformed.headers['content-type']).toContain('application/problem+json');
  });

  it('routes an employer declaration of 30 days or more, and rejects a shorter one', async () => {
    const decl = employerDeclaration({ n: 7, employer: { siret: siretOf(1) }, startDate: '2026-08-01', expectedEndDate: addDays('2026-08-01', 39) });
    await http().post('/v1/employer-leave-declarations').set('Authorization', `Bearer ${payrollToken}`).send(decl).expect(202);
    const item = await itemFor(A, decl.messageId);
    expect(item.delivery.caseEvent).toMatchObject({ source: 'employer', legalBasis: 'employer-declaration', cumulatedDays: 40 });
    const short = employerDeclaration({ n: 7, employer: { siret: siretOf(1) }, startDate: '2026-11-01', expectedEndDate: '2026-11-05' });
    await http().post('/v1/employer-leave-declarations').set('Authorization', `Bearer ${payrollToken}`).send(short).expect(202);
    // Declarations are the employers' software's: a partner, even the insurer, does not send them.
    await http().post('/v1/employer-leave-declarations').set('X-Api-Key', INSURER.apiKey).send(decl).expect(403);
    await eventually(async () => (await admin(http().get(`/v1/messages/${short.messageId}`))).body.status === 'not-eligible', 'short declaration not eligible');
  });

  it('gives one inbox item for a leave the employer declared and the insurer notified, updated with both sources', async () => {
    const decl = employerDeclaration({ n: 8, employer: { siret: siretOf(1) }, startDate: '2026-10-02', expectedEndDate: '2026-11-15' });
    await http().post('/v1/employer-leave-declarations').set('Authorization', `Bearer ${payrollToken}`).send(decl).expect(202);
    const declared = await itemFor(A, decl.messageId);
    expect(declared.delivery.caseEvent).toMatchObject({ source: 'employer', sources: ['employer'] });
    const leave = sickLeave({ n: 8, leaveId: 'aat-both-8', employer: { siret: siretOf(1) }, startDate: '2026-10-01', expectedEndDate: '2026-11-15' });
    await http().post('/v1/sick-leaves').set('X-Api-Key', INSURER.apiKey).send(leave).expect(202);
    const item = await itemFor(A, leave.messageId, 2);
    expect(item.itemId).toBe(declared.itemId);
    expect(item.status).toBe('updated');
    expect(item.delivery.caseEvent).toMatchObject({
      episodeId: declared.delivery.caseEvent.episodeId,
      source: 'assurance-maladie',
      sources: ['assurance-maladie', 'employer'],
      issuingCpam: '691',
      startDate: '2026-10-01',
      legalBasis: 'legal-obligation-L4622-2-1',
    });
    const person = item.delivery.caseEvent.personPseudonym;
    expect((await inbox(A)).filter((i) => i.delivery.caseEvent.personPseudonym === person)).toHaveLength(1);
    // Each sender's message is traced to that one item.
    const traces = await Promise.all([decl.messageId, leave.messageId].map(async (id) => (await admin(http().get(`/v1/messages/${id}`)).expect(200)).body));
    for (const t of traces) expect(t).toMatchObject({ status: 'delivered', deliveredTo: [expect.objectContaining({ partnerId: 'spsti-a' })] });
    expect(traces[0].deliveredTo).toEqual(traces[1].deliveredTo);
  });

  it('lets a partner read and acknowledge only its own inbox', async () => {
    const [itemOfA] = await inbox(A);
    expect(itemOfA).toBeDefined();
    await http().get(`/v1/inbox/${itemOfA.itemId}`).set('X-Api-Key', B.apiKey).expect(404);
    await http().post(`/v1/inbox/${itemOfA.itemId}/ack`).set('X-Api-Key', B.apiKey).expect(404);
    await http().get('/v1/inbox').expect(401);
    await http().get('/v1/inbox').set('X-Api-Key', 'not-a-key').expect(401);
    const own = await http().get(`/v1/inbox/${itemOfA.itemId}`).set('X-Api-Key', A.apiKey).expect(200);
    expect(own.body.delivery.partnerId).toBe('spsti-a');
    // The SPSTI, entitled to the transmitted leave, reads which worker it is about…
    expect(own.body.worker).toMatchObject({ nir: expect.stringMatching(/^[12]\d{14}$/), birthName: 'DUPONT', firstNames: 'Marie' });
    expect(nirs).toContain(own.body.worker.nir);
    // …and that read is in the worker's disclosure report.
    const report = (await admin(http().post('/v1/audit/disclosures')).send({ nir: own.body.worker.nir }).expect(200)).body;
    expect(report.identityReads).toContainEqual(expect.objectContaining({ partnerId: 'spsti-a', itemId: itemOfA.itemId, itemType: 'sick-leave' }));
    // The list carries no identity.
    expect(JSON.stringify(await inbox(A))).not.toContain(own.body.worker.nir);
    const acked = await http().post(`/v1/inbox/${itemOfA.itemId}/ack`).set('X-Api-Key', A.apiKey).send({ version: itemOfA.version }).expect(200);
    expect(acked.body.status).toBe('acknowledged');
    expect((await inbox(A)).some((i) => i.itemId === itemOfA.itemId)).toBe(false);
    await admin(http().get('/v1/partners')).expect(200);
    await http().get('/v1/partners').set('X-Api-Key', A.apiKey).expect(403);
    // A key with non-ASCII characters is refused like any wrong key, not with a 500.
    await http()
      .get('/v1/partners')
      .set('X-Api-Key', 'é' + 'x'.repeat(hub.adminKey.length - 1))
      .expect(401);
  });

  it("accepts sick leaves only from the insurer's senders, and refuses an anonymous body before reading it", async () => {
    const anonymous = await http()
      .post('/v1/sick-leaves')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ pad: 'x'.repeat(900_000) }));
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['content-type']).toContain('application/problem+json');
    await http()
      .post('/v1/sick-leaves')
      .set('X-Api-Key', 'not-a-key')
      .send(sickLeave({ n: 7 }))
      .expect(401);
    const notInsurer = await http()
      .post('/v1/sick-leaves')
      .set('X-Api-Key', A.apiKey)
      .send(sickLeave({ n: 7 }))
      .expect(403);
    expect(notInsurer.body.detail).toContain('cpam');
    await http()
      .post('/v1/employer-leave-declarations')
      .send(employerDeclaration({ n: 7 }))
      .expect(401);
  });

  it('registers only partners that can authenticate, with valid territories and URLs, and never changes their category', async () => {
    const bad = await admin(http().post('/v1/partners'))
      .send({ partnerId: 'spsti-c', category: 'spsti', name: 'SPSTI C', apiKey: 'k', departements: ['6x'], fhirEndpoint: 'ftp://x' })
      .expect(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['/apiKey', '/departements', '/fhirEndpoint']);
    // Registered without a key, a partner gets its first client credential in the answer, shown once.
    const created = await admin(http().post('/v1/partners')).send({ partnerId: 'spsti-c', category: 'spsti', name: 'SPSTI C' }).expect(201);
    expect(created.body.credential).toEqual({ clientId: expect.stringMatching(/^pdp_[0-9a-f]{24}$/), clientSecret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    expect((await admin(http().get('/v1/partners')).expect(200)).body.find((p: { partnerId: string }) => p.partnerId === 'spsti-c')).not.toHaveProperty('credential');
    await admin(http().post('/v1/partners'))
      .send({ ...B, category: 'cap-emploi', name: 'SPSTI B, re-registered' })
      .expect(409);
    expect((await admin(http().get('/v1/partners')).expect(200)).body.find((p: { partnerId: string }) => p.partnerId === B.partnerId).category).toBe('spsti');
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
