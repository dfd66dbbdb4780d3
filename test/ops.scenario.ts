import request from 'supertest';
import { Signalement, SignalementTopics, Topics } from '@pdp/contracts';
import { eventually, HubUnderTest } from './support/harness';
import { nirOf, sickLeave, signalementOf, siretOf } from './support/fixtures';
import { documented } from './support/openapi-responses';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SPSTI = { partnerId: 'spsti-ops', apiKey: 'key-spsti-ops-0123456789', category: 'spsti', name: 'SPSTI ops', region: '84', departements: ['69'] };
/** A recipient registered from the start, for the withheld items. */
const CAP_W = { partnerId: 'cap-emploi-ops-w', apiKey: 'key-cap-ops-w-0123456789', category: 'cap-emploi', name: 'Cap emploi ops W', region: '84', departements: ['69'] };
/** A recipient registered only after its signalements were dead-lettered: the fix before the replay. */
const CAP = { partnerId: 'cap-emploi-ops', apiKey: 'key-cap-ops-0123456789', category: 'cap-emploi', name: 'Cap emploi ops', region: '84', departements: ['69'] };

function signalementTo(n: number, recipient: Signalement['recipient'], consentGranted = true): Signalement {
  return signalementOf(
    700 + n,
    { sender: { partnerId: SPSTI.partnerId, professional: 'médecin du travail' }, recipient },
    {
      signalementId: `ops-sig-${n}`,
      worker: { nir: nirOf(700 + n), birthName: 'OPSNAME', firstNames: 'Camille', departement: '69' },
      employer: { siret: siretOf(51) },
      ...(consentGranted ? {} : { consent: { granted: false, collectedAt: '2026-09-10T09:00:00Z' } }),
    },
  );
}

/**
 * What ops do when something goes wrong: find the messages that did not end well in paged,
 * filtered lists, read a failed payload with the identity masked, fix the cause, replay the dead
 * letters (each handled once however often it is replayed), and follow each message to its end.
 */
export function opsScenario(start: () => Promise<HubUnderTest>): void {
  let hub: HubUnderTest;
  const http = () => request(hub.http.getHttpServer());
  const admin = (req: request.Test) => req.set('X-Api-Key', hub.adminKey);
  const get = async (path: string, operation: string) => (await documented(await admin(http().get(path)).expect(200), operation)).body as Json;
  /** Every item of a list, walked with its cursors a few at a time. */
  const walk = async (path: string, operation: string) => {
    const items: Json[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const sep = path.includes('?') ? '&' : '?';
      const page: Json = await get(`${path}${sep}limit=2${cursor ? `&cursor=${cursor}` : ''}`, operation);
      expect(page.items.length).toBeLessThanOrEqual(2);
      items.push(...page.items);
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 100);
    return { items, pages };
  };
  const signalements = [1, 2, 3].map((n) => signalementTo(n, { category: 'cap-emploi', partnerId: CAP.partnerId }));

  beforeAll(async () => {
    hub = await start();
    await admin(http().post('/v1/partners')).send(SPSTI).expect(201);
    await admin(http().post('/v1/partners')).send(CAP_W).expect(201);
    await admin(http().post('/v1/directory/adhesions'))
      .send([{ siret: siretOf(51), spstiId: SPSTI.partnerId, validFrom: '2020-01-01' }])
      .expect(201);
  });

  afterAll(async () => {
    await hub?.close();
  });

  it('lists parked cases a page at a time, oldest first, filtered by reason and employer', async () => {
    const leaves = [0, 1, 2, 3, 4].map((n) => sickLeave({ n: 800 + n, leaveId: `aat-ops-parked-${n}`, employer: { siret: siretOf(52) }, pdpRisk: true }));
    for (const l of leaves) await hub.publish(Topics.sickLeaveInbound, l.leaveId, JSON.stringify(l));
    const parked = await eventually(async () => {
      const all = await walk(`/v1/ops/parked?employer=${siretOf(52)}`, 'GET /v1/ops/parked');
      return all.items.length === 5 ? all : undefined;
    }, 'five cases parked');
    expect(parked.pages).toBe(3);
    expect(new Set(parked.items.map((p) => p.parkedId)).size).toBe(5);
    const times = parked.items.map((p) => p.parkedAt);
    expect([...times].sort()).toEqual(times);
    expect(parked.items.every((p) => p.reasonCode === 'employer-unknown')).toBe(true);
    expect((await get(`/v1/ops/parked?reason=consent-withdrawn&employer=${siretOf(52)}`, 'GET /v1/ops/parked')).items).toEqual([]);
    // A period that ends before they were parked lists none of them.
    expect((await get(`/v1/ops/parked?employer=${siretOf(52)}&to=2020-01-01`, 'GET /v1/ops/parked')).items).toEqual([]);
    // Each leave's trace says where it waits, and why.
    const trace = await get(`/v1/messages/${leaves[0].messageId}`, 'GET /v1/messages/{messageId}');
    expect(trace).toMatchObject({ messageId: leaves[0].messageId, kind: 'sick-leave', status: 'parked' });
  });

  it('tells a caller who it is (the console opens the views of that role)', async () => {
    expect(await get('/v1/session', 'GET /v1/session')).toEqual({ kind: 'account', accountId: 'admin', role: 'admin', method: 'api-key' });
    const partner = await documented(await http().get('/v1/session').set('Authorization', `Bearer ${SPSTI.apiKey}`).expect(200), 'GET /v1/session');
    expect(partner.body).toEqual({ kind: 'partner', partnerId: SPSTI.partnerId, category: 'spsti', method: 'api-key' });
    await documented(await http().get('/v1/session').expect(401), 'GET /v1/session');
  });

  it('refuses a bad list query with every violation named', async () => {
    const bad = await documented(await admin(http().get('/v1/ops/dead-letters?limit=0&from=2026-02-30&stage=nowhere&cursor=xyz&colour=red')).expect(400), 'GET /v1/ops/dead-letters');
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect(bad.body.errors.map((e: Json) => e.path).sort()).toEqual(['colour', 'cursor', 'from', 'limit', 'stage']);
  });

  it('dead-letters signalements for a partner not registered yet, shows them masked, and replays them once each after the fix', async () => {
    for (const s of signalements) await hub.publish(SignalementTopics.signalementInbound, s.signalementId, JSON.stringify(s));
    const query = '/v1/ops/dead-letters?stage=coordinator&reason=UNKNOWN%20recipient&replayed=false';
    const dead = await eventually(async () => {
      const all = await walk(query, 'GET /v1/ops/dead-letters');
      return all.items.filter((d) => signalements.some((s) => s.messageId === d.messageId)).length === 3 ? all.items : undefined;
    }, 'three dead letters');
    expect(dead.every((d) => d.sourceTopic === SignalementTopics.signalementInbound && d.replayedAt === null)).toBe(true);
    const times = dead.map((d) => d.rejectedAt);
    expect([...times].sort().reverse()).toEqual(times);
    const idOf = (s: Signalement) => dead.find((d) => d.messageId === s.messageId)!.deadLetterId;

    // The payload as ops see it: the shape and the codes, never the worker's identity.
    const detail = await get(`/v1/ops/dead-letters/${idOf(signalements[0])}`, 'GET /v1/ops/dead-letters/{deadLetterId}');
    expect(detail.payload).toMatchObject({
      signalementId: signalements[0].signalementId,
      reason: 'arret-long',
      worker: { nir: '[masked]', birthName: '[masked]', firstNames: '[masked]', departement: '69' },
    });
    expect(JSON.stringify(detail)).not.toContain(signalements[0].worker.nir);
    expect(JSON.stringify(detail)).not.toContain('OPSNAME');
    await documented(await admin(http().get('/v1/ops/dead-letters/dl_nothing_here')).expect(404), 'GET /v1/ops/dead-letters/{deadLetterId}');
    expect(await get(`/v1/messages/${signalements[0].messageId}`, 'GET /v1/messages/{messageId}')).toMatchObject({ kind: 'signalement', status: 'dead-lettered', reason: 'unknown recipient' });

    // The fix: the recipient is registered. Then two replays by id, the second of one already replayed.
    await admin(http().post('/v1/partners')).send(CAP).expect(201);
    const replay = (body: Json) => admin(http().post('/v1/ops/dead-letters/replay')).send(body);
    const first = (await documented(await replay({ deadLetterIds: [idOf(signalements[0]), idOf(signalements[1])] }).expect(200), 'POST /v1/ops/dead-letters/replay')).body;
    expect(first).toMatchObject({ replayed: 2, alreadyReplayed: 0, notFound: 0 });
    const again = (await replay({ deadLetterIds: [idOf(signalements[0]), 'dl_unknown'] }).expect(200)).body;
    expect(again).toMatchObject({ replayed: 0, alreadyReplayed: 1, notFound: 1 });
    expect(again.results[0]).toMatchObject({ deadLetterId: idOf(signalements[0]), status: 'already-replayed', replayedBy: 'admin' });
    // The rest by filter, then the same filter again: nothing left to replay.
    const byFilter = (await replay({ filter: { stage: 'coordinator', reason: 'unknown recipient', messageId: signalements[2].messageId } }).expect(200)).body;
    expect(byFilter).toMatchObject({ replayed: 1, results: [{ deadLetterId: idOf(signalements[2]), status: 'replayed' }] });
    expect((await replay({ filter: { stage: 'coordinator', reason: 'unknown recipient', messageId: signalements[2].messageId } }).expect(200)).body.replayed).toBe(0);
    await documented(await replay({ deadLetterIds: [] }).expect(400), 'POST /v1/ops/dead-letters/replay');

    // Each message goes the same path again and ends routed to the partner, once.
    for (const s of signalements) {
      const t = await eventually(async () => {
        const r = await admin(http().get(`/v1/messages/${s.messageId}`));
        return r.body.status === 'routed' ? (r.body as Json) : undefined;
      }, `${s.messageId} routed after its replay`);
      expect(t).toMatchObject({ kind: 'signalement', recipients: expect.arrayContaining([expect.objectContaining({ partnerId: CAP.partnerId, status: 'delivered' })]) });
    }
    const capItems = (await http().get('/v1/inbox?status=all').set('Authorization', `Bearer ${CAP.apiKey}`).expect(200)).body.items as Json[];
    expect(capItems.filter((i) => signalements.some((s) => i.delivery.referral?.signalementId === s.signalementId))).toHaveLength(3);
    expect((await get(query, 'GET /v1/ops/dead-letters')).items.filter((d: Json) => signalements.some((s) => s.messageId === d.messageId))).toEqual([]);
    // A signalement sent again (same id, a new message) replaces the referral; the first message still traces to it.
    const resent = { ...signalements[0], messageId: `${signalements[0].messageId}-resent` };
    await hub.publish(SignalementTopics.signalementInbound, resent.signalementId, JSON.stringify(resent));
    await eventually(async () => (await admin(http().get(`/v1/messages/${resent.messageId}`))).body.status === 'routed', 'the re-sent message routed');
    expect(await get(`/v1/messages/${signalements[0].messageId}`, 'GET /v1/messages/{messageId}')).toMatchObject({ kind: 'signalement', status: 'routed' });
    // Every replay is in the audit trail with who did it.
    const audit = await hub.db.query<{ subject_id: string; actor: string }>("SELECT subject_id, actor FROM audit_log WHERE action = 'dead-letter-replayed' ORDER BY audit_id");
    expect(audit.rows.map((r) => r.subject_id).sort()).toEqual(signalements.map(idOf).sort());
    expect(audit.rows.every((r) => r.actor === 'admin')).toBe(true);
  });

  it('keeps the original bytes sealed, opens them to admins only (audited), and keeps dead letters no longer than their retention', async () => {
    const s = signalementTo(20, { category: 'cap-emploi', partnerId: 'cap-emploi-nobody' });
    await hub.publish(SignalementTopics.signalementInbound, s.signalementId, JSON.stringify(s));
    const d = await eventually(async () => (await get(`/v1/ops/dead-letters?messageId=${s.messageId}`, 'GET /v1/ops/dead-letters')).items[0] as Json | undefined, 'dead letter');
    // At rest the bytes are sealed: no NIR in the table.
    const row = await hub.db.query<{ original_bytes: Buffer; original_key_id: string }>('SELECT original_bytes, original_key_id FROM dead_letters WHERE dead_letter_id = $1', [d.deadLetterId]);
    expect(row.rows[0].original_key_id).toBeTruthy();
    expect(Buffer.from(row.rows[0].original_bytes).toString('latin1')).not.toContain(s.worker.nir);
    // An admin reads them in clear, and that read is audited; nobody else may.
    const original = await admin(http().get(`/v1/ops/dead-letters/${d.deadLetterId}/original`))
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(original.headers['content-type']).toBe('application/octet-stream');
    expect(JSON.parse((original.body as Buffer).toString('utf8'))).toEqual(s);
    await documented(
      await http().get(`/v1/ops/dead-letters/${d.deadLetterId}/original`).set('Authorization', `Bearer ${SPSTI.apiKey}`).expect(403),
      'GET /v1/ops/dead-letters/{deadLetterId}/original',
    );
    const reads = await hub.db.query<{ actor: string }>("SELECT actor FROM audit_log WHERE action = 'dead-letter-read' AND subject_id = $1", [d.deadLetterId]);
    expect(reads.rows).toEqual([{ actor: 'admin' }]);

    // A row kept in clear (as before the bytes were sealed) is sealed by the sweep; one past its retention goes.
    await hub.db.query('UPDATE dead_letters SET original_bytes = $2, original_key_id = NULL WHERE dead_letter_id = $1', [d.deadLetterId, Buffer.from(JSON.stringify(s))]);
    const sweep = (await documented(await admin(http().post('/v1/ops/retention/sweep')).expect(200), 'POST /v1/ops/retention/sweep')).body;
    expect(sweep.deadLetters.resealed).toBeGreaterThanOrEqual(1);
    expect((await get(`/v1/ops/dead-letters/${d.deadLetterId}`, 'GET /v1/ops/dead-letters/{deadLetterId}')).payload.worker.nir).toBe('[masked]');
    const resealed = await hub.db.query<{ original_key_id: string | null }>('SELECT original_key_id FROM dead_letters WHERE dead_letter_id = $1', [d.deadLetterId]);
    expect(resealed.rows[0].original_key_id).toBeTruthy();
    await hub.db.query("UPDATE dead_letters SET rejected_at = now() - interval '31 days' WHERE dead_letter_id = $1", [d.deadLetterId]);
    const purged = (await admin(http().post('/v1/ops/retention/sweep')).expect(200)).body;
    expect(purged.deadLetters.purged).toBe(1);
    await admin(http().get(`/v1/ops/dead-letters/${d.deadLetterId}`)).expect(404);
  });

  it('lists withheld items by partner and the messages of a flow with where each is now', async () => {
    const refused = signalementTo(9, { category: 'cap-emploi', partnerId: CAP_W.partnerId }, false);
    await http().post('/v1/signalements').set('Authorization', `Bearer ${SPSTI.apiKey}`).send(refused).expect(202);
    const withheld = await eventually(async () => {
      const page = await get(`/v1/ops/withheld?partner=${CAP_W.partnerId}`, 'GET /v1/ops/withheld');
      return page.items.length ? page.items : undefined;
    }, 'a withheld item');
    expect(withheld).toEqual([expect.objectContaining({ partnerId: CAP_W.partnerId, status: 'withheld', reasonCode: 'consent-refused', subjectType: 'signalement' })]);
    expect((await get(`/v1/ops/withheld?partner=${SPSTI.partnerId}`, 'GET /v1/ops/withheld')).items).toEqual([]);

    const listed = await walk('/v1/ops/messages?kind=signalement', 'GET /v1/ops/messages');
    expect(listed.items).toContainEqual(expect.objectContaining({ messageId: refused.messageId, kind: 'signalement', status: 'routed' }));
    expect(listed.items.every((m) => m.kind === 'signalement')).toBe(true);
    expect(new Set(listed.items.map((m) => m.messageId)).size).toBe(listed.items.length);
  });
}
