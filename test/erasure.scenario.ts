import request from 'supertest';
import { inboxTopic, OutcomeReport, Signalement, SignalementTopics, Topics } from '@pdp/contracts';
import { Pseudonymizer } from '@pdp/domain';
import { eventually, HubUnderTest, TEST_PSEUDONYM_KEY } from './support/harness';
import { employerDeclaration, nirOf, sickLeave, signalementOf, siretOf } from './support/fixtures';
import { documented } from './support/openapi-responses';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SPSTI = { partnerId: 'spsti-er', apiKey: 'key-spsti-er-0123456789', category: 'spsti', name: 'SPSTI erasure', region: '84', departements: ['69'] };
const CAP = { partnerId: 'cap-emploi-er', apiKey: 'key-cap-er-0123456789', category: 'cap-emploi', name: 'Cap emploi erasure', region: '84', departements: ['69'] };
/** The person who asks to be erased, and another who stays. */
const HER = nirOf(9101);
const OTHER = nirOf(9102);

function signalementFor(nir: string, n: number, over: Partial<Signalement> = {}): Signalement {
  return signalementOf(
    n,
    { sender: { partnerId: SPSTI.partnerId, professional: 'médecin du travail' }, recipient: { category: 'cap-emploi', partnerId: CAP.partnerId } },
    {
      signalementId: `er-sig-${n}`,
      worker: { nir, birthName: 'EFFACEE', firstNames: 'Jeanne', departement: '69' },
      employer: { siret: siretOf(61) },
      ...over,
    },
  );
}

/**
 * A worker asks to be erased: her identity and every person-level row go in every flow, the
 * partners' topics get a tombstone for her key, the dead letters naming her go, and the published
 * figures do not move (their facts stay, unlinked); the erasure is audited and counted, and names
 * nobody.
 */
export function erasureScenario(start: () => Promise<HubUnderTest>): void {
  let hub: HubUnderTest;
  const http = () => request(hub.http.getHttpServer());
  const admin = (req: request.Test) => req.set('X-Api-Key', hub.adminKey);
  const as = (who: { apiKey: string }, req: request.Test) => req.set('Authorization', `Bearer ${who.apiKey}`);
  const person = new Pseudonymizer(TEST_PSEUDONYM_KEY).person(HER);
  const leave = sickLeave({ n: 9101, leaveId: 'aat-erasure-1', employer: { siret: siretOf(61) }, pdpRisk: true });
  const sig = signalementFor(HER, 1);
  const rowsOfHer = async () => {
    const counts: Record<string, number> = {};
    for (const table of ['identities', 'episodes', 'episode_aliases', 'referrals', 'coordination_deliveries', 'consent_records', 'case_leads', 'metric_persons', 'orientation_facts', 'follow_ups'])
      counts[table] = Number((await hub.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE person_pseudonym = $1`, [person])).rows[0].n);
    return counts;
  };

  beforeAll(async () => {
    hub = await start();
    for (const p of [SPSTI, CAP]) await admin(http().post('/v1/partners')).send(p).expect(201);
    await admin(http().post('/v1/directory/adhesions'))
      .send([{ siret: siretOf(61), spstiId: SPSTI.partnerId, validFrom: '2020-01-01' }])
      .expect(201);
  });

  afterAll(async () => {
    await hub?.close();
  });

  it('refuses an erasure without a valid NIR or INS and a reason', async () => {
    const bad = await documented(
      await admin(http().post('/v1/erasures'))
        .send({ nir: HER.slice(0, 13) + '00', ins: HER })
        .expect(400),
      'POST /v1/erasures',
    );
    expect(bad.body.errors.map((e: Json) => e.path).sort()).toEqual(['/nir', '/reason']);
    await documented(await as(SPSTI, http().post('/v1/erasures')).send({ nir: HER, reason: 'her request' }).expect(403), 'POST /v1/erasures');
  });

  it('forgets her everywhere, tombstones her key, keeps the figures, and names nobody', async () => {
    await hub.publish(Topics.sickLeaveInbound, leave.leaveId, JSON.stringify(leave));
    const item = await eventually(async () => ((await as(SPSTI, http().get('/v1/inbox')).expect(200)).body.items as Json[])[0], 'her leave delivered');
    // Her employer declares the same leave: it joins her episode, under an alias.
    const declared = employerDeclaration({ worker: { nir: HER }, employer: { siret: siretOf(61) } });
    await hub.publish(Topics.employerLeaveInbound, declared.messageId, JSON.stringify(declared));
    await eventually(async () => (await rowsOfHer()).episode_aliases === 1, 'her declaration joined her episode');
    await as(SPSTI, http().post('/v1/signalements')).send(sig).expect(202);
    await eventually(async () => ((await as(CAP, http().get('/v1/inbox')).expect(200)).body.items as Json[]).length > 0, 'her referral delivered');
    // Two dead letters: one names her, the other someone else.
    const hersDead = signalementFor(HER, 2, { date: '2026-02-30' as string });
    const othersDead = signalementFor(OTHER, 3, { date: '2026-02-30' as string });
    await hub.publish(SignalementTopics.signalementInbound, 'k-er-2', JSON.stringify(hersDead));
    await hub.publish(SignalementTopics.signalementInbound, 'k-er-3', JSON.stringify(othersDead));
    const deadOf = async (messageId: string) => (await admin(http().get(`/v1/ops/dead-letters?messageId=${messageId}`)).expect(200)).body.items as Json[];
    await eventually(async () => (await deadOf(hersDead.messageId)).length === 1 && (await deadOf(othersDead.messageId)).length === 1, 'two dead letters');
    if (hub.mode === 'embedded') {
      const report: OutcomeReport = {
        schemaVersion: 'outcome-report/1',
        messageId: 'er-outcome-1',
        reportId: 'er-outcome-1',
        reporter: { partnerId: CAP.partnerId },
        worker: { nir: HER, departement: '69' },
        accompaniment: { startDate: '2026-01-05', endDate: '2026-03-31' },
        followUpPoint: 'end',
        outcome: 'kept-at-post',
        outcomeDate: '2026-03-31',
        measures: ['amenagement-poste'],
        reportedAt: '2026-03-31T10:00:00Z',
      };
      await as(CAP, http().post('/v1/outcomes')).send(report).expect(202);
      await eventually(async () => (await rowsOfHer()).metric_persons === 1, 'her outcome counted');
    }
    // The facts the figures count (the outcome log, the orientations, the aggregate cells), and the figures as published.
    const count = async (sql: string) => Number((await hub.db.query<{ n: string }>(sql)).rows[0].n);
    const figures = async () => ({
      outcomeEvents: await count('SELECT count(*) AS n FROM outcome_events'),
      orientations: await count('SELECT count(*) AS n FROM orientation_facts'),
      cells: await count('SELECT coalesce(sum(n), 0) AS n FROM metric_outcome_cells'),
      published: hub.mode === 'embedded' ? (await admin(http().get('/v1/metrics/orientations?period=year')).expect(200)).body.rows : null,
    });
    const before = await figures();
    expect((await rowsOfHer()).identities).toBe(1);

    const erased = (await documented(await admin(http().post('/v1/erasures')).send({ nir: HER, reason: 'her request of 2026-12-01' }).expect(200), 'POST /v1/erasures')).body;
    expect(erased.summary.removed).toMatchObject({ identity: 1, episodes: 1, referrals: 1, deadLetters: 1 });
    expect(erased.summary.removed.inboxItems).toBeGreaterThanOrEqual(2);
    expect(erased.summary.removed.consents).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(erased)).not.toContain(person);
    expect(JSON.stringify(erased)).not.toContain(HER);

    // Nothing of her is left to read, deliver or trace.
    const left = await rowsOfHer();
    expect(left).toEqual({
      identities: 0,
      episodes: 0,
      episode_aliases: 0,
      referrals: 0,
      coordination_deliveries: 0,
      consent_records: 0,
      case_leads: 0,
      metric_persons: 0,
      orientation_facts: 0,
      follow_ups: 0,
    });
    await as(SPSTI, http().get(`/v1/inbox/${item.itemId}`)).expect(404);
    expect((await as(CAP, http().get('/v1/inbox?status=all')).expect(200)).body.items).toEqual([]);
    await admin(http().get(`/v1/messages/${leave.messageId}`)).expect(404);
    await as(SPSTI, http().get(`/v1/signalements/${sig.signalementId}/status`)).expect(404);
    expect(await deadOf(hersDead.messageId)).toEqual([]);
    expect(await deadOf(othersDead.messageId)).toHaveLength(1);

    // The partners' topics that carried her get a tombstone for her key.
    for (const p of [SPSTI, CAP]) {
      const records = await hub.readTopic(inboxTopic(p.partnerId));
      expect(records.filter((r) => r.key === person && r.value.length === 0)).toEqual([expect.objectContaining({ headers: expect.objectContaining({ 'x-erasure-id': erased.erasureId }) })]);
    }
    // The published figures do not move; the erasure is counted, audited, and names nobody.
    expect(await figures()).toEqual(before);
    const list = (await documented(await admin(http().get('/v1/erasures')).expect(200), 'GET /v1/erasures')).body;
    expect(list.count).toBe(1);
    expect(list.erasures[0]).toMatchObject({ erasureId: erased.erasureId, kind: 'request', reason: 'her request of 2026-12-01' });
    const audit = await hub.db.query<{ person_pseudonym: string | null; actor: string }>("SELECT person_pseudonym, actor FROM audit_log WHERE action = 'person-erased'");
    expect(audit.rows).toEqual([{ person_pseudonym: null, actor: 'admin' }]);
  });

  it('erases, at the end of their retention, the persons with no activity since, and only them', async () => {
    const old = sickLeave({ n: 9103, leaveId: 'aat-erasure-old', employer: { siret: siretOf(61) }, pdpRisk: true });
    const recent = sickLeave({ n: 9104, leaveId: 'aat-erasure-recent', employer: { siret: siretOf(61) }, pdpRisk: true });
    for (const l of [old, recent]) await hub.publish(Topics.sickLeaveInbound, l.leaveId, JSON.stringify(l));
    const pseudonymizer = new Pseudonymizer(TEST_PSEUDONYM_KEY);
    const [oldPerson, recentPerson] = [nirOf(9103), nirOf(9104)].map((n) => pseudonymizer.person(n));
    const episodesOf = async (p: string) => Number((await hub.db.query<{ n: string }>('SELECT count(*) AS n FROM episodes WHERE person_pseudonym = $1', [p])).rows[0].n);
    await eventually(async () => (await episodesOf(oldPerson)) === 1 && (await episodesOf(recentPerson)) === 1, 'both leaves recorded');
    // The first person's last activity was four years ago (past the three years of RETENTION_PERSON_DAYS).
    for (const table of ['episodes', 'identities']) await hub.db.query(`UPDATE ${table} SET updated_at = now() - interval '4 years' WHERE person_pseudonym = $1`, [oldPerson]);
    const swept = (await documented(await admin(http().post('/v1/ops/retention/sweep')).expect(200), 'POST /v1/ops/retention/sweep')).body;
    expect(swept.persons.erased).toBe(1);
    expect(await episodesOf(oldPerson)).toBe(0);
    expect(await episodesOf(recentPerson)).toBe(1);
    expect(Number((await hub.db.query<{ n: string }>('SELECT count(*) AS n FROM identities WHERE person_pseudonym = $1', [oldPerson])).rows[0].n)).toBe(0);
    const list = (await admin(http().get('/v1/erasures')).expect(200)).body;
    expect(list.erasures[0]).toMatchObject({ kind: 'retention', summary: { removed: { identity: 1, episodes: 1 } } });
    expect((await admin(http().post('/v1/ops/retention/sweep')).expect(200)).body.persons.erased).toBe(0);
  });
}
