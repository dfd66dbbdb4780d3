import request from 'supertest';
import { InboxDelivery, inboxTopic } from '@pdp/contracts';
import { eventually, HubUnderTest, startDistributedHub, startEmbeddedHub } from './support/harness';
import { nirOf, sickLeave, siretOf } from './support/fixtures';

/**
 * Transitional phase (art. L.4622-2-1): the insurer's transmission of a leave rests on the
 * person's consent. The consent registry governs it: a withdrawal pulls pending items back
 * and holds later ones; a renewed consent releases them. Nothing is dropped.
 */
function transitionalConsentScenario(start: () => Promise<HubUnderTest>): void {
  let hub: HubUnderTest;
  const A = { partnerId: 'spsti-t', apiKey: 'key-spsti-t-0123456789' };
  const INSURER = { partnerId: 'cpam-69', apiKey: 'key-cpam-69-0123456789', category: 'cpam', name: 'CPAM du Rhône', departements: ['69'] };

  const http = () => request(hub.http.getHttpServer());
  const admin = (req: request.Test) => req.set('X-Api-Key', hub.adminKey);
  const items = async () => (await http().get('/v1/inbox').set('X-Api-Key', A.apiKey).expect(200)).body.items as { itemId: string; version: number; delivery: InboxDelivery }[];
  const consent = (status: 'granted' | 'withdrawn') =>
    http()
      .post('/v1/consents')
      .set('X-Api-Key', A.apiKey)
      .send({
        schemaVersion: 'consent-statement/1',
        worker: { nir: nirOf(41) },
        purpose: 'sick-leave-transmission',
        recipientCategory: 'spsti',
        status,
        effectiveAt: new Date().toISOString(),
        evidenceRef: `test-${status}`,
      })
      .expect(201);

  beforeAll(async () => {
    hub = await start();
    await admin(http().post('/v1/partners'))
      .send({ ...A, category: 'spsti', name: 'SPSTI T', departements: ['69'] })
      .expect(201);
    await admin(http().post('/v1/partners')).send(INSURER).expect(201);
    await admin(http().post('/v1/directory/adhesions'))
      .send([{ siret: siretOf(1), spstiId: A.partnerId, validFrom: '2020-01-01' }])
      .expect(201);
  });
  afterAll(() => hub?.close());

  it('delivers on consent, pulls the item back on withdrawal, holds the prolongation, and releases on a new consent', async () => {
    const leave = sickLeave({ n: 41, leaveId: 'aat-t-41', pdpRisk: true, consent: { granted: true, collectedAt: '2026-09-01T08:00:00Z', evidenceRef: 'formulaire' } });
    await http().post('/v1/sick-leaves').set('X-Api-Key', INSURER.apiKey).send(leave).expect(202);
    const first = await eventually(async () => (await items()).find((i) => i.delivery.caseEvent.sourceMessageId === leave.messageId), 'delivery on consent');
    expect(first.delivery.legalBasis).toBe('consent');

    const withdrawal = await consent('withdrawn');
    expect(withdrawal.body.pulledBack).toEqual([{ deliveryId: first.itemId, partnerId: A.partnerId }]);
    expect((await items()).some((i) => i.itemId === first.itemId)).toBe(false);
    // The partner's Kafka topic carried the item: it carries its retraction too.
    const retraction = await eventually(async () => {
      for (const r of await hub.readTopic(inboxTopic(A.partnerId))) {
        const d = JSON.parse(r.value.toString());
        if (d.itemType === 'retraction' && d.retraction.deliveryId === first.itemId) return d;
      }
      return undefined;
    }, 'retraction on the Kafka topic');
    expect(retraction).toMatchObject({ schemaVersion: 'referral-delivery/1', partnerId: A.partnerId, legalBasis: 'consent', retraction: { reason: expect.stringContaining('withdrawn') } });
    const parked = (await admin(http().get('/v1/ops/parked')).expect(200)).body.items as { parkedId: string; reasonCode: string }[];
    expect(parked).toContainEqual(expect.objectContaining({ parkedId: first.delivery.caseEvent.episodeId, reasonCode: 'consent-withdrawn' }));
    expect((await admin(http().get(`/v1/messages/${leave.messageId}`))).body).toMatchObject({ status: 'parked', reason: expect.stringContaining('withdrawn') });

    // The notification still says "consent granted", but the registry's withdrawal prevails.
    const prolongation = sickLeave({
      n: 41,
      leaveId: 'aat-t-41-p1',
      kind: 'prolongation',
      initialLeaveId: 'aat-t-41',
      pdpRisk: true,
      startDate: '2026-10-16',
      expectedEndDate: '2026-11-15',
      consent: { granted: true, collectedAt: '2026-09-01T08:00:00Z' },
    });
    await http().post('/v1/sick-leaves').set('X-Api-Key', INSURER.apiKey).send(prolongation).expect(202);
    await eventually(async () => (await admin(http().get(`/v1/messages/${prolongation.messageId}`))).body.status === 'parked', 'prolongation held');
    expect((await items()).length).toBe(0);

    await consent('granted');
    const again = await eventually(async () => (await items()).find((i) => i.delivery.caseEvent.episodeId === first.delivery.caseEvent.episodeId), 'release on renewed consent');
    expect(again.version).toBe(2);
    expect(again.delivery.caseEvent.prolongationCount).toBe(1);
  });
}

describe('sick-leave transmission consent, transitional phase', () => {
  describe('embedded', () => transitionalConsentScenario(() => startEmbeddedHub({ transitionalPhase: true })));
  describe('distributed (Kafka + PostgreSQL)', () => transitionalConsentScenario(() => startDistributedHub({ transitionalPhase: true })));
});
