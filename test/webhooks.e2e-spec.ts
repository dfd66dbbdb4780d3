import request from 'supertest';
import { compactDecrypt, exportJWK, generateKeyPair, GenerateKeyPairResult } from 'jose';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { ContractIds, ContractRegistry, inboxTopic, Topics, WebhookEvent } from '@pdp/contracts';
import { eventually, HubUnderTest, startDistributedHub, startEmbeddedHub } from './support/harness';
import { nirOf, sickLeave, signalementOf, siretOf } from './support/fixtures';
import { documented } from './support/openapi-responses';
import { WebhookReceiver } from './support/webhook-receiver';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function webhooksScenario(start: () => Promise<HubUnderTest>): void {
  let hub: HubUnderTest;
  let spstiKeys: GenerateKeyPairResult;
  const spstiHook = new WebhookReceiver();
  const capHook = new WebhookReceiver();
  const socialHook = new WebhookReceiver();
  const contracts = new ContractRegistry();
  const webhookEvent = contracts.contract<WebhookEvent>(ContractIds.webhookEvent);
  const SPSTI = { partnerId: 'spsti-hook', apiKey: 'key-spsti-hook-0123456789', category: 'spsti', name: 'SPSTI with a webhook', region: '84', departements: ['69'] };
  const CAP = { partnerId: 'cap-hook', apiKey: 'key-cap-hook-0123456789', category: 'cap-emploi', name: 'Cap emploi with a webhook', region: '84', departements: ['69'] };
  const SOCIAL = { partnerId: 'social-hook', apiKey: 'key-social-hook-0123456789', category: 'service-social-carsat', name: 'Carsat with a webhook', region: '84', departements: ['69'] };
  const http = () => request(hub.http.getHttpServer());
  const admin = (req: request.Test) => req.set('X-Api-Key', hub.adminKey);
  const as = (p: { apiKey: string }, req: request.Test) => req.set('Authorization', `Bearer ${p.apiKey}`);
  const topic = async (partnerId: string) => (await hub.readTopic(inboxTopic(partnerId))).filter((r) => r.value.length > 0).map((r) => JSON.parse(r.value.toString()) as Json);

  beforeAll(async () => {
    hub = await start();
    spstiKeys = await generateKeyPair('ECDH-ES+A256KW', { extractable: true });
    await admin(http().post('/v1/partners'))
      .send({ ...SPSTI, encryptionKey: await exportJWK(spstiKeys.publicKey) })
      .expect(201);
    for (const p of [CAP, SOCIAL]) await admin(http().post('/v1/partners')).send(p).expect(201);
    await admin(http().post('/v1/directory/adhesions'))
      .send([{ siret: siretOf(81), spstiId: SPSTI.partnerId, validFrom: '2020-01-01' }])
      .expect(201);
  });

  afterAll(async () => {
    await hub?.close();
    for (const r of [spstiHook, capHook, socialHook]) await r.stop();
  });

  it('lets a partner set its own webhook, issuing the signing secret once, and refuses what is not a URL', async () => {
    const url = await spstiHook.start();
    const first = await documented(await as(SPSTI, http().put('/v1/webhook')).send({ url }).expect(200), 'PUT /v1/webhook');
    expect(first.body).toMatchObject({ partnerId: SPSTI.partnerId, url, secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/) });
    spstiHook.secret = first.body.secret;
    // The same URL again keeps the secret, and shows it no more.
    const again = await as(SPSTI, http().put('/v1/webhook')).send({ url }).expect(200);
    expect(again.body.secret).toBeUndefined();
    const bad = await as(SPSTI, http().put('/v1/webhook')).send({ url: 'ftp://example.org/hook' }).expect(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect(bad.body.errors).toEqual([{ path: '/url', message: 'must be an http(s) URL' }]);
    // An operator sets the others'.
    capHook.secret = (
      await admin(http().put(`/v1/partners/${CAP.partnerId}/webhook`))
        .send({ url: await capHook.start() })
        .expect(200)
    ).body.secret;
    socialHook.secret = (
      await admin(http().put(`/v1/partners/${SOCIAL.partnerId}/webhook`))
        .send({ url: await socialHook.start() })
        .expect(200)
    ).body.secret;
    await admin(http().put('/v1/partners/nobody/webhook')).send({ url }).expect(404);
  });

  it("pushes a sick-leave alert to the SPSTI's webhook, signed, with the worker's identity sealed for its key, again after the receiver failed twice", async () => {
    spstiHook.answer = (_, attempt) => (attempt <= 2 ? 503 : 204);
    const leave = sickLeave({ n: 8101, leaveId: 'aat-hook-1', employer: { siret: siretOf(81) }, pdpRisk: true });
    await hub.publish(Topics.sickLeaveInbound, leave.leaveId, JSON.stringify(leave));
    const [call] = await eventually(async () => {
      const ok = spstiHook.accepted((e) => e.type === 'inbox.item.delivered');
      return ok.length ? ok : undefined;
    }, 'the webhook call accepted');
    const event = call.event!;
    // The body is webhook-event/1, its delivery the record the Kafka topic carries.
    expect(webhookEvent.validate(event)).toMatchObject({ ok: true });
    expect(event.data).toMatchObject({ partnerId: SPSTI.partnerId, version: 1, delivery: { schemaVersion: 'inbox-delivery/1', partnerId: SPSTI.partnerId } });
    const onTopic = await eventually(async () => (await topic(SPSTI.partnerId)).find((d) => d.deliveryId === event.data.itemId), 'the same item on the Kafka topic');
    expect(event.data.delivery).toMatchObject({ deliveryId: onTopic.deliveryId, idempotencyKey: onTopic.idempotencyKey });
    // One event id on every attempt: two refused, the third taken.
    const attempts = spstiHook.calls.filter((c) => c.headers['webhook-id'] === event.data.eventId);
    expect(attempts.map((c) => c.answered)).toEqual([503, 503, 204]);
    expect(call.headers['webhook-id']).toBe(event.data.eventId);
    // The NIR is not on the wire in clear; the SPSTI opens the JWE with its private key.
    expect(call.body).not.toContain(nirOf(8101));
    const { plaintext } = await compactDecrypt((event.data.delivery as Json).workerJwe, spstiKeys.privateKey);
    expect(JSON.parse(new TextDecoder().decode(plaintext))).toMatchObject({ nir: nirOf(8101) });
    // Signed with the partner's secret: another secret does not verify it, nor does a changed body.
    expect(() => new Webhook(capHook.secret).verify(call.body, call.headers as Record<string, string>)).toThrow(WebhookVerificationError);
    expect(() => new Webhook(spstiHook.secret).verify(call.body.replace('8101', '8102'), call.headers as Record<string, string>)).toThrow(WebhookVerificationError);
    // Operators and the partner see it delivered after three calls.
    const listed = await documented(await admin(http().get(`/v1/ops/pushes?channel=webhook&partnerId=${SPSTI.partnerId}&status=delivered`)).expect(200), 'GET /v1/ops/pushes');
    expect(listed.body.items).toEqual([expect.objectContaining({ eventId: event.data.eventId, itemId: event.data.itemId, attempts: 3, lastStatus: 204, status: 'delivered' })]);
    const mine = await as(SPSTI, http().get('/v1/webhook')).expect(200);
    expect(mine.body.events).toMatchObject({ delivered: 1, pending: 0, parked: 0 });
  });

  it('parks an event after WEBHOOK_MAX_ATTEMPTS failed calls, and an operator replays it once the receiver is back', async () => {
    capHook.answer = () => 500;
    const sig = signalementOf(
      8102,
      { sender: { partnerId: SPSTI.partnerId, professional: 'médecin du travail' }, recipient: { category: 'cap-emploi', partnerId: CAP.partnerId } },
      { signalementId: 'hook-sig-1', employer: { siret: siretOf(81) } },
    );
    await as(SPSTI, http().post('/v1/signalements')).send(sig).expect(202);
    const [parked] = await eventually(async () => {
      const r = await admin(http().get(`/v1/ops/pushes?channel=webhook&partnerId=${CAP.partnerId}&status=parked`)).expect(200);
      return r.body.items.length ? r.body.items : undefined;
    }, 'the event parked');
    expect(parked).toMatchObject({ type: 'inbox.item.delivered', attempts: 4, lastStatus: 500, lastError: 'HTTP 500', nextAt: null });
    expect(capHook.calls.filter((c) => c.headers['webhook-id'] === parked.eventId)).toHaveLength(4);
    // Nothing more is tried once parked.
    await new Promise((r) => setTimeout(r, 1500));
    expect(capHook.calls.filter((c) => c.headers['webhook-id'] === parked.eventId)).toHaveLength(4);

    capHook.answer = () => 200;
    await admin(http().post('/v1/ops/pushes/replay')).send({}).expect(400);
    const replay = await documented(await admin(http().post('/v1/ops/pushes/replay')).send({ partnerId: CAP.partnerId }).expect(200), 'POST /v1/ops/pushes/replay');
    expect(replay.body).toEqual({ replayed: 1, eventIds: [parked.eventId] });
    const [call] = await eventually(async () => {
      const ok = capHook.accepted((e) => e.data.eventId === parked.eventId);
      return ok.length ? ok : undefined;
    }, 'the replayed call accepted');
    expect(call.event!.data.delivery).toMatchObject({ schemaVersion: 'referral-delivery/1', itemType: 'signalement' });
    expect(call.body).not.toContain(nirOf(8102));
    const done = await admin(http().get(`/v1/ops/pushes?channel=webhook&partnerId=${CAP.partnerId}`)).expect(200);
    expect(done.body.items).toEqual([expect.objectContaining({ eventId: parked.eventId, status: 'delivered', attempts: 1 })]);
  });

  it('sends the retraction of a withdrawn consent to the webhook, as to the Kafka topic and the inbox', async () => {
    const sig = signalementOf(
      8103,
      { sender: { partnerId: SPSTI.partnerId, professional: 'médecin du travail' }, recipient: { category: 'service-social-carsat', partnerId: SOCIAL.partnerId } },
      { signalementId: 'hook-sig-2', employer: { siret: siretOf(81) } },
    );
    await as(SPSTI, http().post('/v1/signalements')).send(sig).expect(202);
    const [delivered] = await eventually(async () => {
      const ok = socialHook.accepted((e) => e.type === 'inbox.item.delivered');
      return ok.length ? ok : undefined;
    }, 'the referral pushed');
    const itemId = delivered.event!.data.itemId;
    await as(SOCIAL, http().get(`/v1/inbox/${itemId}`)).expect(200);
    await as(SPSTI, http().post('/v1/consents'))
      .send({
        schemaVersion: 'consent-statement/1',
        worker: { nir: nirOf(8103) },
        purpose: 'orientation',
        recipientCategory: 'service-social-carsat',
        status: 'withdrawn',
        effectiveAt: new Date().toISOString(),
        evidenceRef: 'courrier-retrait-hook',
      })
      .expect(201);
    const [retracted] = await eventually(async () => {
      const ok = socialHook.accepted((e) => e.type === 'inbox.item.retracted');
      return ok.length ? ok : undefined;
    }, 'the retraction pushed');
    expect(webhookEvent.validate(retracted.event)).toMatchObject({ ok: true });
    expect(retracted.event!.data).toMatchObject({ itemId, delivery: { itemType: 'retraction', retraction: { deliveryId: itemId, reason: expect.stringContaining('withdrawn') } } });
    expect(retracted.event!.data.version).toBeUndefined();
    // The same withdrawal on the other channels: the Kafka topic's retraction, the inbox without the item.
    await eventually(async () => (await topic(SOCIAL.partnerId)).find((d) => d.itemType === 'retraction' && d.retraction.deliveryId === itemId), 'the retraction on the Kafka topic');
    await as(SOCIAL, http().get(`/v1/inbox/${itemId}`)).expect(404);
  });

  it('parks what was pending when a partner removes its webhook, and a new secret signs from then on', async () => {
    const rotated = await documented(await as(SOCIAL, http().post('/v1/webhook/secret')).expect(201), 'POST /v1/webhook/secret');
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(socialHook.secret);
    const before = socialHook.calls.length;
    const sig = signalementOf(
      8104,
      { sender: { partnerId: SPSTI.partnerId, professional: 'médecin du travail' }, recipient: { category: 'service-social-carsat', partnerId: SOCIAL.partnerId } },
      { signalementId: 'hook-sig-3', employer: { siret: siretOf(81) } },
    );
    await as(SPSTI, http().post('/v1/signalements')).send(sig).expect(202);
    // The receiver still on the old secret refuses the call (401): the hub signed with the new one.
    const refused = await eventually(async () => socialHook.calls.slice(before).find((c) => c.answered === 401), 'a call signed with the new secret');
    expect(new Webhook(rotated.body.secret).verify(refused.body, refused.headers as Record<string, string>)).toMatchObject({ type: 'inbox.item.delivered' });
    const removed = await documented(await as(SOCIAL, http().delete('/v1/webhook')).expect(200), 'DELETE /v1/webhook');
    expect(removed.body).toMatchObject({ url: null, events: { pending: 0 } });
    // Parked by the removal, or already after its fourth refused call: nothing is left pending.
    const left = await admin(http().get(`/v1/ops/pushes?channel=webhook&partnerId=${SOCIAL.partnerId}&status=parked`)).expect(200);
    expect(left.body.items).toEqual([expect.objectContaining({ lastError: expect.stringMatching(/^(the partner removed its webhook|HTTP 401)$/) })]);
    expect((await admin(http().get(`/v1/ops/pushes?channel=webhook&partnerId=${SOCIAL.partnerId}&status=pending`)).expect(200)).body.items).toEqual([]);
    expect((await documented(await as(SOCIAL, http().get('/v1/webhook')).expect(200), 'GET /v1/webhook')).body.url).toBeNull();
  });

  it("tells the webhook of an erasure: a retraction of each of the person's items, the notice dropped once delivered", async () => {
    spstiHook.answer = () => 200;
    await admin(http().post('/v1/erasures'))
      .send({ nir: nirOf(8101), reason: 'her request' })
      .expect(200);
    const [call] = await eventually(async () => {
      const ok = spstiHook.accepted((e) => e.type === 'inbox.item.retracted');
      return ok.length ? ok : undefined;
    }, 'the erasure pushed');
    expect(webhookEvent.validate(call.event)).toMatchObject({ ok: true });
    expect(call.event!.data.delivery).toMatchObject({ itemType: 'retraction', retraction: { reason: 'the person was erased' } });
    // The outbox keeps nothing of her: no row names her, and the notice went with its delivery.
    const left = await eventually(async () => {
      const { rows } = await hub.db.query<{ person: number; notices: number }>(
        `SELECT count(*) FILTER (WHERE person_pseudonym IS NOT NULL)::int AS person, count(*) FILTER (WHERE notice IS NOT NULL)::int AS notices
           FROM push_deliveries WHERE partner_id = $1`,
        [SPSTI.partnerId],
      );
      return rows[0].notices === 0 ? rows[0] : undefined;
    }, 'the notice dropped');
    expect(left).toEqual({ person: 0, notices: 0 });
  });
}

describe('webhooks: push delivery signed per Standard Webhooks, retried, parked, replayed', () => {
  describe('distributed (gateway, normalizer, router, signalements on Kafka + PostgreSQL)', () => {
    webhooksScenario(() => startDistributedHub());
  });

  describe('embedded (PGlite + in-process bus, as npm start)', () => {
    webhooksScenario(() => startEmbeddedHub());
  });
});
