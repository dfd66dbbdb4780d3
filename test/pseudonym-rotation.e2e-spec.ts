import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { inboxTopic, Signalement, Topics } from '@pdp/contracts';
import { caseIdOf, Pseudonymizer } from '@pdp/domain';
import { pseudonymRekey } from '../apps/pseudonym-rekey/src/rekey';
import { eventually, HubUnderTest, startDistributedHub, TEST_IDENTITY_KEYS, TEST_PSEUDONYM_KEY } from './support/harness';
import { nirOf, sickLeave, signalementOf, siretOf } from './support/fixtures';
import { createTestDatabase } from './support/postgres';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SPSTI = { partnerId: 'spsti-rot', apiKey: 'key-spsti-rot-0123456789', category: 'spsti', name: 'SPSTI rotation', region: '84', departements: ['69'] };
const CAP = { partnerId: 'cap-emploi-rot', apiKey: 'key-cap-rot-0123456789', category: 'cap-emploi', name: 'Cap emploi rotation', region: '84', departements: ['69'] };
const SECOND_KEY = 'e2e-second-pseudonym-key-0123456789';
const HER = nirOf(7301);
/** The tables that hold a person's pseudonym, but the audit (its entries keep the version of their day). */
const PERSON_TABLES = ['identities', 'episodes', 'referrals', 'coordination_deliveries', 'consent_records', 'case_leads'];

function signalementFor(n: number, over: Partial<Signalement> = {}): Signalement {
  return signalementOf(
    n,
    { sender: { partnerId: SPSTI.partnerId, professional: 'médecin du travail' }, recipient: { category: 'cap-emploi', partnerId: CAP.partnerId } },
    { signalementId: `rot-sig-${n}`, worker: { nir: HER, birthName: 'ROTATION', firstNames: 'Anne', departement: '69' }, employer: { siret: siretOf(73) }, ...over },
  );
}

/**
 * The pseudonymisation key rotated on the real services (docs/operations.md, "Rotating the
 * pseudonymisation key"): the hub stopped, the re-key run as operators run it, the hub started
 * with the new key. Her past and new events stay linked; the old key alone no longer finds her
 * rows; the audit and the erasure still reach what was written under the old version.
 */
describe('rotating the pseudonymisation key (gateway, normalizer, router, signalements on Kafka + PostgreSQL)', () => {
  const namespace = `e2e-rot-${randomBytes(3).toString('hex')}.`;
  let database: { url: string; drop: () => Promise<void> };
  let hub: HubUnderTest | undefined;
  const http = () => request(hub!.http.getHttpServer());
  const admin = (req: request.Test) => req.set('X-Api-Key', hub!.adminKey);
  const as = (who: { apiKey: string }, req: request.Test) => req.set('Authorization', `Bearer ${who.apiKey}`);
  const items = async (who: { apiKey: string }) => (await as(who, http().get('/v1/inbox?status=all')).expect(200)).body.items as Json[];
  const before = new Pseudonymizer(TEST_PSEUDONYM_KEY).person(HER);
  const after = new Pseudonymizer(TEST_PSEUDONYM_KEY, [SECOND_KEY]).person(HER);
  const count = async (table: string, person: string) => Number((await hub!.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE person_pseudonym = $1`, [person])).rows[0].n);

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await hub?.close();
    await database?.drop();
  });

  it('keeps her past and new events linked, and the old key alone no longer finds her rows', async () => {
    hub = await startDistributedHub({}, {}, { database, namespace });
    for (const p of [SPSTI, CAP]) await admin(http().post('/v1/partners')).send(p).expect(201);
    await admin(http().post('/v1/directory/adhesions'))
      .send([{ siret: siretOf(73), spstiId: SPSTI.partnerId, validFrom: '2020-01-01' }])
      .expect(201);
    // Before: her sick leave reaches her SPSTI, and a signalement (with her consent) Cap emploi.
    const leave = sickLeave({ n: 7301, leaveId: 'aat-rot-1', worker: { nir: HER, birthName: 'ROTATION', firstNames: 'Anne', departement: '69' }, employer: { siret: siretOf(73) }, pdpRisk: true });
    await hub.publish(Topics.sickLeaveInbound, leave.leaveId, JSON.stringify(leave));
    const alert = await eventually(async () => (await items(SPSTI)).find((i) => i.itemType === 'sick-leave'), 'her leave delivered');
    await as(SPSTI, http().post('/v1/signalements')).send(signalementFor(1)).expect(202);
    const referral = await eventually(async () => (await items(CAP))[0], 'her referral delivered');
    expect(referral.delivery.personPseudonym).toBe(before);
    await hub.close();
    hub = undefined;

    // The new key before the re-key: the services refuse to start rather than split her in two.
    await expect(startDistributedHub({}, { PSEUDONYM_KEY_ROTATIONS: SECOND_KEY }, { database, namespace })).rejects.toThrow(/holds pseudonyms of version 1 .* makes version 2/);

    // The re-key, as operators run it, from the stored pseudonyms alone.
    const printed: string[] = [];
    const env = { DATABASE_URL: database.url, PSEUDONYM_KEY: TEST_PSEUDONYM_KEY, PSEUDONYM_KEY_ROTATIONS: SECOND_KEY, IDENTITY_KEYS: TEST_IDENTITY_KEYS };
    expect(await pseudonymRekey(env, (l) => printed.push(l))).toBe(0);
    expect(JSON.parse(printed[0])).toEqual({ from: 1, to: 2, persons: 1 });
    // Run again, it has nothing to do.
    expect(await pseudonymRekey(env, (l) => printed.push(l))).toBe(0);
    expect(JSON.parse(printed[1])).toEqual({ from: 2, to: 2, persons: 0 });

    hub = await startDistributedHub({}, { PSEUDONYM_KEY_ROTATIONS: SECOND_KEY }, { database, namespace });
    // The old key's pseudonym is in no table but the audit's; the new one is where it was.
    for (const table of PERSON_TABLES) {
      expect([table, await count(table, before)]).toEqual([table, 0]);
      expect([table, await count(table, after)]).toEqual([table, 1]);
    }
    expect(await count('audit_log', before)).toBeGreaterThan(0);
    // What Cap emploi already had in its inbox names her by the new version, in a case id made from it.
    const kept = (await items(CAP)).find((i) => i.itemId === referral.itemId)!;
    expect(kept.delivery).toMatchObject({ personPseudonym: after, caseId: caseIdOf(after) });

    // After: her prolongation updates the same episode and item, and her SPSTI still reads who she is.
    const prolongation = sickLeave({
      n: 7301,
      leaveId: 'aat-rot-1-p1',
      kind: 'prolongation',
      initialLeaveId: 'aat-rot-1',
      worker: { nir: HER, birthName: 'ROTATION', firstNames: 'Anne', departement: '69' },
      employer: { siret: siretOf(73) },
      startDate: '2026-10-16',
      expectedEndDate: '2026-11-15',
      pdpRisk: true,
    });
    await hub.publish(Topics.sickLeaveInbound, prolongation.leaveId, JSON.stringify(prolongation));
    const updated = await eventually(async () => (await items(SPSTI)).find((i) => i.itemId === alert.itemId && i.version === 2), 'the same item updated');
    expect(updated.delivery.caseEvent).toMatchObject({ episodeId: alert.delivery.caseEvent.episodeId, personPseudonym: after, expectedEndDate: '2026-11-15' });
    expect((await as(SPSTI, http().get(`/v1/inbox/${alert.itemId}`)).expect(200)).body.worker).toMatchObject({ nir: HER, birthName: 'ROTATION' });

    // A new signalement about her: her case is the one she had, with its chef de file (one row,
    // under the case id made from her new pseudonym).
    const lead = await hub.db.query<{ partner_id: string }>('SELECT partner_id FROM case_leads WHERE person_pseudonym = $1', [after]);
    await as(SPSTI, http().post('/v1/signalements'))
      .send(signalementFor(2, { signalementId: 'rot-sig-2', date: '2026-11-02', sentAt: '2026-11-02T10:00:00Z' }))
      .expect(202);
    const second = await eventually(async () => (await items(CAP)).find((i) => i.delivery.referral?.signalementId === 'rot-sig-2'), 'the second referral delivered');
    expect(second.delivery.personPseudonym).toBe(after);
    const leads = await hub.db.query<{ case_id: string; partner_id: string }>('SELECT case_id, partner_id FROM case_leads WHERE person_pseudonym = $1', [after]);
    expect(leads.rows).toEqual([{ case_id: second.delivery.caseId, partner_id: lead.rows[0].partner_id }]);

    // The case id and the pseudonym Cap emploi kept from before still open her case, as it is now.
    for (const ref of [referral.delivery.caseId, before]) {
      const timeline = (await as(CAP, http().get(`/v1/cases/${ref}/timeline`)).expect(200)).body;
      expect(timeline.caseId).toBe(second.delivery.caseId);
    }
    expect(referral.delivery.caseId).not.toBe(second.delivery.caseId);

    // Her disclosure report, asked by NIR, lists what was delivered under both versions.
    const report = (await admin(http().post('/v1/audit/disclosures')).send({ nir: HER }).expect(200)).body;
    expect(report.personPseudonym).toBe(after);
    const disclosed = (type: string) => report.disclosures.filter((d: Json) => d.what.type === type);
    // The leave's two versions, and the two signalements: one of each under the old version.
    expect(disclosed('sick-leave')).toHaveLength(2);
    expect(disclosed('signalement')).toHaveLength(2);

    // Her erasure by NIR tombstones her key of either version on the topics that carried her.
    await admin(http().post('/v1/erasures')).send({ nir: HER, reason: 'her request after the rotation' }).expect(200);
    for (const table of PERSON_TABLES) expect([table, await count(table, after)]).toEqual([table, 0]);
    const tombstones = await eventually(async () => {
      const keys = (await hub!.readTopic(inboxTopic(SPSTI.partnerId))).filter((r) => r.value.length === 0).map((r) => r.key);
      return keys.length >= 2 ? keys : undefined;
    }, 'both tombstones');
    expect(tombstones.sort()).toEqual([before, after].sort());
  }, 240_000);
});
