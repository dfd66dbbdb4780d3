import request from 'supertest';
import { DeadLetter, Signalement, SignalementTopics, Topics } from '@pdp/contracts';
import { eventually, HubUnderTest } from './support/harness';
import { LogCapture } from './support/log-capture';
import { reportFault } from './support/fault-report';
import { nirOf, sickLeave, siretOf } from './support/fixtures';

const INSURER = { partnerId: 'cpam-69', apiKey: 'key-cpam-69-0123456789', category: 'cpam', name: 'CPAM du Rhône', departements: ['69'] };
const SPSTI = { partnerId: 'spsti-a', apiKey: 'key-spsti-a-0123456789', category: 'spsti', name: 'SPSTI A', region: '84', departements: ['69'] };
const SOCIAL = { partnerId: 'carsat-ra-ss', apiKey: 'key-carsat-ra-0123456789', category: 'service-social-carsat', name: 'Carsat RA service social', region: '84', departements: [] as string[] };

/**
 * A message the database refuses although it passed every check: after the intake's own
 * checks (NUL characters, year 0000, leap seconds are refused before) none is left to send, so
 * the test database refuses some ids itself, as PostgreSQL refuses a NUL in jsonb: with a
 * SQLSTATE of class 22 (data exception), from a trigger.
 */
const REFUSE_POISON = [
  `CREATE FUNCTION e2e_refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF NEW.message_id LIKE 'poison-%' THEN
       RAISE EXCEPTION 'invalid parameter value: % is refused by the database', NEW.message_id USING ERRCODE = '22023';
     END IF;
     RETURN NEW;
   END $$`,
  'CREATE TRIGGER e2e_refuse_poison BEFORE INSERT OR UPDATE ON leave_messages FOR EACH ROW EXECUTE FUNCTION e2e_refuse_poison()',
  'CREATE TRIGGER e2e_refuse_poison BEFORE INSERT OR UPDATE ON referrals FOR EACH ROW EXECUTE FUNCTION e2e_refuse_poison()',
];

let seq = 0;
function signalement(n: number, over: Partial<Signalement> = {}): Signalement {
  seq += 1;
  return {
    schemaVersion: 'signalement/1',
    messageId: `sig-msg-${n}-${seq}-${Math.random().toString(36).slice(2, 8)}`,
    signalementId: `sig-${n}-${seq}`,
    sender: { partnerId: SPSTI.partnerId },
    recipient: { category: 'service-social-carsat' },
    worker: { nir: nirOf(n), departement: '69' },
    employer: { siret: siretOf(1) },
    date: '2026-09-10',
    reason: 'arret-long',
    requestedMeasures: [],
    urgency: 'normale',
    consent: { granted: true, collectedAt: '2026-09-10T09:00:00Z' },
    sentAt: '2026-09-10T10:00:00Z',
    ...over,
  };
}

/**
 * Poison messages and bad input, on the embedded and the distributed hub: a message that fails
 * at the database is dead-lettered with its reason after bounded attempts while the rest of its
 * batch is delivered; bad HTTP input is answered 400, 413 or 415, never 500.
 */
export function poisonMessagesScenario(start: () => Promise<HubUnderTest>): void {
  let hub: HubUnderTest;
  let logs: LogCapture;
  const http = () => request(hub.http.getHttpServer());
  const admin = (req: request.Test) => req.set('X-Api-Key', hub.adminKey);
  const asSpsti = (req: request.Test) => req.set('Authorization', `Bearer ${SPSTI.apiKey}`);
  const deadLetter = (messageId: string) =>
    eventually(async () => ((await admin(http().get('/v1/ops/dead-letters')).expect(200)).body.items as DeadLetter[]).find((d) => d.messageId === messageId), `dead letter of ${messageId}`);

  beforeAll(async () => {
    logs = new LogCapture().install();
    hub = await start();
    for (const p of [SPSTI, SOCIAL, INSURER]) await admin(http().post('/v1/partners')).send(p).expect(201);
    await admin(http().post('/v1/directory/adhesions'))
      .set('Content-Type', 'text/csv')
      .send(`siret;spsti_id;valid_from\n${siretOf(1)};spsti-a;2020-01-01\n`)
      .expect(201);
    for (const sql of REFUSE_POISON) await hub.db.query(sql);
  });

  afterAll(async () => {
    await hub?.close();
    logs?.uninstall();
  });

  it('dead-letters a sick leave the database refuses, after bounded attempts, and delivers the rest of its batch', async () => {
    const leaves = [1, 2, 3, 4, 5].map((n) => sickLeave({ n: 100 + n, leaveId: `aat-poison-batch-${n}`, employer: { siret: siretOf(1) } }));
    leaves[2] = { ...leaves[2], messageId: `poison-${leaves[2].messageId}` };
    // One key, one request: the five reach the normalizer as one batch, handled in one transaction.
    await hub.publishBatch(
      Topics.sickLeaveInbound,
      leaves.map((l) => ({ key: 'poison-batch', value: JSON.stringify(l) })),
    );

    for (const l of leaves.filter((_, i) => i !== 2)) {
      await eventually(async () => (await admin(http().get(`/v1/messages/${l.messageId}`))).body.status === 'delivered', `${l.messageId} delivered`);
    }
    const dead = await deadLetter(leaves[2].messageId);
    expect(dead).toMatchObject({ stage: 'normalizer', sourceTopic: Topics.sickLeaveInbound, reason: `invalid parameter value: ${leaves[2].messageId} is refused by the database` });
    expect(dead.errors).toEqual([{ path: '/', message: 'failed alone at the normalizer, error code 22023' }]);
    expect((await admin(http().get(`/v1/messages/${leaves[2].messageId}`)).expect(200)).body).toMatchObject({ status: 'dead-lettered' });
    // Bounded: three attempts at the batch, then its parts apart; not a retry every 200 ms forever.
    expect(logs.lines.filter((l) => l.includes('batch at') && l.includes('failed 3 time(s)')).length).toBeGreaterThanOrEqual(1);

    // The partition moves on: what comes after is delivered.
    const later = sickLeave({ n: 110, leaveId: 'aat-poison-later', employer: { siret: siretOf(1) } });
    await hub.publish(Topics.sickLeaveInbound, 'poison-batch', JSON.stringify(later));
    await eventually(async () => (await admin(http().get(`/v1/messages/${later.messageId}`))).body.status === 'delivered', 'the leave sent after the poison delivered');
    reportFault(`poison-${hub.mode}`, {
      fault: `a message the database refuses, in a batch of good ones (${hub.mode}): bounded attempts, then dead-lettered with its reason, and the partition moves on`,
      sent: 6,
      accepted: 6,
      terminal: { delivered: 5, 'dead-lettered': 1 },
      lost: 0,
      duplicated: 0,
    });
  });

  it('dead-letters a signalement the database refuses and routes the others of its batch', async () => {
    const sigs = [1, 2, 3, 4].map((n) => signalement(200 + n));
    sigs[1] = { ...sigs[1], messageId: `poison-${sigs[1].messageId}` };
    await hub.publishBatch(
      SignalementTopics.signalementInbound,
      sigs.map((s) => ({ key: 'poison-batch', value: JSON.stringify(s) })),
    );
    for (const s of sigs.filter((_, i) => i !== 1)) {
      await eventually(async () => (await asSpsti(http().get(`/v1/signalements/${s.signalementId}/status`))).status === 200, `${s.signalementId} routed`);
    }
    const dead = await deadLetter(sigs[1].messageId);
    expect(dead).toMatchObject({ stage: 'coordinator', sourceTopic: SignalementTopics.signalementInbound, reason: `invalid parameter value: ${sigs[1].messageId} is refused by the database` });
    // Its sender gets a final answer: rejected, with the reason of its dead letter.
    const status = (await asSpsti(http().get(`/v1/signalements/${sigs[1].signalementId}/status`)).expect(200)).body;
    expect(status).toMatchObject({ status: 'rejected', reason: dead.reason, deadLetterId: dead.deadLetterId });
  });

  it('dead-letters at validation what reaches Kafka with a NUL character or a date of year 0000', async () => {
    const nul = signalement(301, { reasonDetail: 'reprise\u0000' });
    const yearZero = sickLeave({ n: 302, leaveId: 'aat-year-zero', startDate: '2026-09-01', issuedAt: '0000-01-01T00:00:00Z' });
    await hub.publish(SignalementTopics.signalementInbound, 'bad', JSON.stringify(nul));
    await hub.publish(Topics.sickLeaveInbound, 'bad', JSON.stringify(yearZero));
    expect(await deadLetter(nul.messageId)).toMatchObject({
      stage: 'coordinator',
      reason: 'does not match signalement/1',
      errors: [{ path: '/reasonDetail', message: 'contains a NUL character (\\u0000), which cannot be stored' }],
    });
    expect(await deadLetter(yearZero.messageId)).toMatchObject({
      stage: 'normalizer',
      reason: 'does not match sick-leave-notification/1',
      errors: [{ path: '/issuedAt', message: 'must match format "date-time"' }],
    });
  });

  describe('HTTP answers bad input with 400, 413 or 415, never 500', () => {
    it('refuses NUL characters, year 0000 and leap seconds in a signalement or a sick leave', async () => {
      await asSpsti(http().post('/v1/signalements'))
        .send(signalement(401, { reasonDetail: 'a\u0000b' }))
        .expect(400);
      await asSpsti(http().post('/v1/signalements'))
        .send(signalement(402, { date: '0000-01-01' }))
        .expect(400);
      await asSpsti(http().post('/v1/signalements'))
        .send(signalement(403, { sentAt: '2026-12-31T23:59:60Z' }))
        .expect(400);
      const leave = (
        await http()
          .post('/v1/sick-leaves')
          .set('X-Api-Key', INSURER.apiKey)
          .send(sickLeave({ n: 404, startDate: '2026-09-01', expectedEndDate: '0000-02-29' }))
          .expect(400)
      ).body;
      expect(leave.errors).toContainEqual({ path: '/expectedEndDate', message: 'must match format "date"' });
      await admin(http().post('/v1/partners'))
        .send({ ...SOCIAL, partnerId: 'nul-partner', name: 'N\u0000L' })
        .expect(400);
      await admin(http().get('/v1/directory/adhesions/%00')).expect(400);
    });

    it('answers a body over the limit 413, an unknown charset 415, malformed JSON 400', async () => {
      const big = await http()
        .post('/v1/sick-leaves')
        .set('X-Api-Key', INSURER.apiKey)
        .set('Content-Type', 'application/json')
        .send(`{"x":"${'x'.repeat(1_100_000)}"}`);
      expect([big.status, big.body.title]).toEqual([413, 'Payload too large']);
      const charset = await http().post('/v1/sick-leaves').set('X-Api-Key', INSURER.apiKey).set('Content-Type', 'application/json; charset=x-unknown').send('{}');
      expect([charset.status, charset.body.title]).toEqual([415, 'Unsupported media type']);
      const malformed = await http().post('/v1/sick-leaves').set('X-Api-Key', INSURER.apiKey).set('Content-Type', 'application/json').send('{"messageId":');
      expect(malformed.status).toBe(400);
      expect(malformed.headers['content-type']).toMatch(/application\/problem\+json/);
    });

    it('refuses duplicate adhesion lines with their line numbers, and answers a file of bad lines briefly', async () => {
      const dup = await admin(http().post('/v1/directory/adhesions'))
        .set('Content-Type', 'text/csv')
        .send(`siret;spsti_id;valid_from\n${siretOf(5)};spsti-a;2026-01-01\n\n${siretOf(5)};spsti-a;2026-01-01\n`)
        .expect(400);
      expect(dup.body.errors).toEqual([{ path: 'line 4', message: 'repeats line 2: the same SIRET and validFrom' }]);
      const lines = 200_000;
      const bad = await admin(http().post('/v1/directory/adhesions'))
        .set('Content-Type', 'text/csv')
        .send(`siret;spsti_id;valid_from\n${'123;nobody;2026-02-30\n'.repeat(lines)}`)
        .expect(400);
      expect(bad.body.errors).toHaveLength(100);
      expect(bad.body.errorsNotListed).toBeGreaterThan(lines);
      expect(bad.body.detail).toMatch(/^200000 line\(s\) rejected; nothing imported; the first 100 are listed, … and \d+ more$/);
      expect(bad.text.length).toBeLessThan(32 * 1024);
    });

    it('refuses impossible dates and unknown dimensions in metrics queries', async () => {
      // The metrics API is served by the hub and by the metrics service (not the gateway).
      if (hub.mode !== 'embedded') return;
      for (const q of ['from=2026-02-30', 'to=0000-01-01', 'by=zzz', 'by=constructor', 'by=partner&by=outcome']) {
        const r = await admin(http().get(`/v1/metrics/outcomes?${q}`));
        expect([q, r.status]).toEqual([q, 400]);
      }
      await admin(http().get('/v1/metrics/follow-ups?asOf=2026-02-30')).expect(400);
    });
  });
}
