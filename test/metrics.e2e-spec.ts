import request from 'supertest';
import { OutcomeReport, Signalement, Topics } from '@pdp/contracts';
import { Pseudonymizer, withNirKey } from '@pdp/domain';
import { isSmall, MetricTable, OutcomeMetricQueries, orientationFromSignalement, recordOrientation, regionOf } from '@pdp/metrics';
import { GeneratedPartner, Population } from '@pdp/generator';
import { eventually } from './support/harness';
import { METRICS_PSEUDONYM_KEY, MetricsUnderTest, startMetricsStack } from './support/metrics-harness';
import { documented } from './support/openapi-responses';

/**
 * The outcome flow and harmonised metrics on the real Kafka broker and PostgreSQL: a generated population whose true number of
 * distinct maintiens en emploi is known goes through the outcome topic; the harmonised metrics
 * must find it exactly, reconcile raw claims, show the overlap, mask small cells, and give the
 * same numbers after a rebuild from the outcome log.
 */
describe('harmonised outcome metrics (Kafka + PostgreSQL)', () => {
  const population = new Population({ seed: 2026, persons: 3000, departements: ['69', '38', '13'] });
  const messages = [...population.messages()];
  const truth = population.truth;
  const partner = (id: string) => population.partners.find((p) => p.partnerId === id)!;
  let stack: MetricsUnderTest;
  const http = () => request(stack.http.getHttpServer());
  const asAdmin = (r: request.Test) => r.set('X-Api-Key', 'e2e-admin-key-0123456789');
  /** The audit entries of an operator's action. */
  const adminTrail = async (action: string) => (await stack.db.query<{ actor: string; detail: unknown }>('SELECT actor, detail FROM audit_log WHERE action = $1 ORDER BY audit_id', [action])).rows;
  const as = (p: GeneratedPartner, r: request.Test) => r.set('Authorization', `Bearer ${p.apiKey}`);
  // Every table read is checked against contracts/openapi/metrics.v1.yaml.
  const table = async (path: string): Promise<MetricTable> => (await documented(await asAdmin(http().get(path)).expect(200), `GET ${path.split('?')[0]}`)).body;
  const spsti = () => population.partners.find((p) => p.category === 'spsti')!;
  const validOutcomes = messages.filter((m) => m.type === 'outcome' && !m.malformed);

  beforeAll(async () => {
    stack = await startMetricsStack({ maskThreshold: 10, dedupGapDays: 60 });
    for (const p of population.partners) await stack.partners.register(p);
    // Signalements are recorded as orientation facts the way the signalement flow does.
    const pseudonyms = new Pseudonymizer(METRICS_PSEUDONYM_KEY);
    const facts = messages
      .filter((m) => m.type === 'signalement' && !m.malformed)
      .map((m) => JSON.parse(m.value) as Signalement)
      .map((s) => orientationFromSignalement(s, pseudonyms.person(s.worker.nir!), partner(s.sender.partnerId).category, { partnerId: s.recipient.partnerId, category: s.recipient.category! }));
    await recordOrientation(stack.db, facts);
    await stack.send(
      Topics.sickLeaveInbound,
      messages.filter((m) => m.type === 'sick-leave').map((m) => ({ key: m.key, value: m.value })),
    );
    await stack.send(
      Topics.outcomeInbound,
      messages.filter((m) => m.type === 'outcome').map((m) => ({ key: m.key, value: m.value })),
    );
    const episodes = new Set(messages.filter((m) => m.type === 'sick-leave' && !m.malformed).map((m) => m.key)).size;
    await eventually(
      async () => {
        const { rows } = await stack.db.query<{ events: number; dead: number; episodes: number }>(
          `SELECT (SELECT count(*)::int FROM outcome_events) AS events, (SELECT count(*)::int FROM dead_letters WHERE stage = 'metrics') AS dead,
                (SELECT count(*)::int FROM episodes) AS episodes`,
        );
        return rows[0].events === validOutcomes.length && rows[0].dead === truth.malformed.outcome && rows[0].episodes === episodes;
      },
      'every outcome and sick leave consumed',
      90_000,
    );
  }, 180_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('counts exactly the true number of distinct maintiens en emploi, and raw = deduplicated + duplicates', async () => {
    expect(truth.maintiens.distinct).toBeGreaterThan(50);
    const t = await table('/v1/metrics/maintiens?period=year');
    expect(t.total).toMatchObject({ masked: 'no' });
    expect(t.total.values).toEqual({ raw: truth.maintiens.raw, deduplicated: truth.maintiens.distinct, duplicates: truth.maintiens.raw - truth.maintiens.distinct });
    for (const r of t.rows) if (r.values) expect(r.values.raw).toBe(r.values.deduplicated + r.values.duplicates);
    // The breakdown of duplicates (small numbers, so read here without masking).
    const detail = await new OutcomeMetricQueries(stack.db, 1).maintiens({ period: 'year', by: [], detail: true });
    expect(detail.total.values).toMatchObject({ overruled: truth.maintiens.overruled });
    const outcomes = await table('/v1/metrics/outcomes?period=year&by=');
    expect(outcomes.total.values).toMatchObject({ deduplicated: truth.cases });
  });

  it('dead-letters the malformed outcome reports with their reasons', async () => {
    const { rows } = await stack.db.query<{ reason: string }>(`SELECT reason FROM dead_letters WHERE stage = 'metrics'`);
    expect(rows).toHaveLength(truth.malformed.outcome);
    expect(rows.every((r) => /outcome-report\/1|identifiers or dates/.test(r.reason))).toBe(true);
  });

  it('shows the overlap of every pair and triple of partner categories and partners', async () => {
    const cells = await stack.outcomes.store.cells();
    const sum = (scope: string, level: string) => {
      const m: Record<string, number> = {};
      for (const o of cells.overlaps) if (o.scope === scope && o.level === level) m[o.members] = (m[o.members] ?? 0) + o.n;
      return m;
    };
    expect(sum('maintien', 'category')).toEqual(truth.overlap.maintien.category);
    expect(sum('maintien', 'partner')).toEqual(truth.overlap.maintien.partner);
    expect(sum('accompaniment', 'category')).toEqual(truth.overlap.accompaniment.category);
    // Through the API, at a level where cells are large enough to be shown.
    const t = await table('/v1/metrics/overlap?period=year&level=category&scope=maintien');
    const shown = t.rows.filter((r) => r.values && r.dimensions.members === 'service-social-carsat+spsti');
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.reduce((s, r) => s + r.values!.cases, 0)).toBeLessThanOrEqual(truth.overlap.maintien.category['service-social-carsat+spsti']);
  });

  it('masks small cells, with secondary suppression, and never publishes a small value', async () => {
    const path = '/v1/metrics/maintiens?period=quarter&by=departement,category';
    const masked = await table(path);
    const exact = await new OutcomeMetricQueries(stack.db, 1).maintiens({ period: 'quarter', by: ['departement', 'category'] });
    expect(masked.rows.map((r) => [r.period, r.dimensions])).toEqual(exact.rows.map((r) => [r.period, r.dimensions]));
    expect(masked.rows.some((r) => r.masked === 'primary')).toBe(true);
    for (const r of masked.rows) {
      if (r.masked !== 'no') expect(r.values).toBeNull();
      else expect(Object.values(r.values!).every((v) => v === 0 || v >= 10)).toBe(true);
    }
    // Every line a reader can total (fixed category across départements of a région or the
    // nation, fixed département across categories, fixed cell across quarters of a year) holds
    // zero or at least two masked cells, unless its own total is small (then unpublished).
    const lines = new Map<string, number[]>();
    masked.rows.forEach((r, i) => {
      const { departement: d, category: p } = r.dimensions;
      for (const k of [`r|${r.period}|${regionOf(d)}|${p}`, `n|${r.period}|${p}`, `p|${r.period}|${d}`, `y|${r.period.slice(0, 4)}|${d}|${p}`, `a|${d}|${p}`])
        lines.set(k, [...(lines.get(k) ?? []), i]);
    });
    let checked = 0;
    for (const line of lines.values()) {
      if (line.length < 2) continue;
      const total: Record<string, number> = {};
      for (const i of line) for (const [k, v] of Object.entries(exact.rows[i].values!)) total[k] = (total[k] ?? 0) + v;
      if (isSmall(total, 10)) continue;
      checked++;
      expect(line.filter((i) => masked.rows[i].masked !== 'no')).not.toHaveLength(1);
    }
    expect(checked).toBeGreaterThan(5);
  });

  it('snaps from/to to whole periods, so two overlapping queries cannot be subtracted to reveal a masked cell', async () => {
    const path = '/v1/metrics/maintiens?period=quarter&by=departement';
    const all = await table(path);
    const quarter = all.rows.map((r) => r.period).sort()[Math.floor(all.rows.length / 2)];
    const [year, q] = [quarter.slice(0, 4), Number(quarter.slice(6))];
    const start = `${year}-${String(3 * q - 2).padStart(2, '0')}-01`;
    const oneMonthIn = `${year}-${String(3 * q - 1).padStart(2, '0')}-15`;
    // The attack: the quarter from its first day, and from mid-quarter; their difference would
    // be the first month alone, which no quarter table shows.
    const whole = await table(`${path}&from=${start}`);
    const partial = await table(`${path}&from=${oneMonthIn}`);
    expect(partial.rows).toEqual(whole.rows);
    expect(partial.total).toEqual(whole.total);
    expect(partial.notes).toContain(`bounds as whole quarters: from ${start} to the end`);
    const exactWhole = await new OutcomeMetricQueries(stack.db, 1).maintiens({ period: 'quarter', by: ['departement'], from: start });
    const exactPartial = await new OutcomeMetricQueries(stack.db, 1).maintiens({ period: 'quarter', by: ['departement'], from: oneMonthIn });
    expect(exactPartial.rows).toEqual(exactWhole.rows);
  });

  it('serves CSV', async () => {
    const res = await documented(await asAdmin(http().get('/v1/metrics/maintiens?period=year&by=region&format=csv')).expect(200), 'GET /v1/metrics/maintiens');
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.text.split('\n')[0]).toBe('period,region,masked,raw,deduplicated,duplicates');
  });

  it('counts orientations sent and received, including the reciprocal SPSTI ↔ Assurance Maladie ones', async () => {
    const t = await table('/v1/metrics/orientations?period=year&by=senderCategory,recipientCategory');
    expect(t.total.values).toEqual({ orientations: truth.orientations.total });
    const reciprocal = await table('/v1/metrics/orientations?period=year&by=&reciprocal=true');
    const expected = Object.entries(truth.orientations.byCategories)
      .filter(([k]) => /^(spsti>(cpam|service-medical|service-social-carsat)|(cpam|service-medical|service-social-carsat)>spsti)$/.test(k))
      .reduce((s, [, n]) => s + n, 0);
    expect(reciprocal.total.values).toEqual({ orientations: expected });
  });

  it('measures timeliness from the sick-leave start to the first referral: Cap emploi is reached later than the SPSTI', async () => {
    const t = await table('/v1/metrics/timeliness?period=year&by=recipientCategory');
    const median = (cat: string) => t.rows.filter((r) => r.dimensions.recipientCategory === cat && r.values).map((r) => r.values!.medianDays);
    expect(median('spsti').length).toBeGreaterThan(0);
    expect(median('cap-emploi').length).toBeGreaterThan(0);
    expect(Math.min(...median('cap-emploi'))).toBeGreaterThan(Math.max(...median('spsti')));
  });

  it("accepts an outcome over HTTP (202), rejects a bad one (RFC 7807 400) and one in another partner's name (403)", async () => {
    const sample = JSON.parse(validOutcomes[0].value) as OutcomeReport;
    const bad = { ...sample, messageId: 'bad-http-1', outcome: 'happy' };
    const res = await documented(await as(spsti(), http().post('/v1/outcomes')).send(bad).expect(400), 'POST /v1/outcomes');
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: '/outcome' })]));
    const other = population.partners.find((p) => p.partnerId !== sample.reporter.partnerId)!;
    await documented(await as(other, http().post('/v1/outcomes')).send(sample).expect(403), 'POST /v1/outcomes');
    await documented(await http().post('/v1/outcomes').send(sample).expect(401), 'POST /v1/outcomes');
    const future = await as(spsti(), http().post('/v1/outcomes'))
      .send({ ...sample, messageId: 'bad-http-2', outcomeDate: '2999-01-01' })
      .expect(400);
    expect((await documented(future, 'POST /v1/outcomes')).body.errors).toEqual([{ path: '/outcomeDate', message: 'is in the future' }]);
  });

  it('serves every table as its document says, and refuses a bad query or a missing key', async () => {
    await table('/v1/metrics/measures?period=year&by=measure');
    await table('/v1/metrics/measures?period=year&by=requester&maintien=true');
    await table('/v1/metrics/follow-ups?period=quarter&asOf=2026-11-24');
    await table('/v1/metrics/overlap?period=year&level=partner&scope=accompaniment');
    await table('/v1/metrics/outcomes?period=month&by=departement,outcome&detail=true&departement=69');
    await documented(await asAdmin(http().get('/v1/metrics/maintiens?by=shoe')).expect(400), 'GET /v1/metrics/maintiens');
    await documented(await asAdmin(http().get('/v1/metrics/timeliness?from=yesterday')).expect(400), 'GET /v1/metrics/timeliness');
    await documented(await http().get('/v1/metrics/orientations').expect(401), 'GET /v1/metrics/orientations');
    await documented(await http().get('/health').expect(200), 'GET /health');
  });

  it('updates the counts incrementally: a new maintien once, a second partner claiming it adds a duplicate', async () => {
    const before = (await table('/v1/metrics/maintiens?period=year')).total.values!;
    const capEmploi = partner('cap-emploi-69');
    const nir = withNirKey('2991299123456');
    const report = (p: GeneratedPartner, n: number, start: string, end: string): OutcomeReport => ({
      schemaVersion: 'outcome-report/1',
      messageId: `http-new-${n}`,
      reportId: `http-new-${n}`,
      reporter: { partnerId: p.partnerId },
      worker: { nir, departement: '69' },
      accompaniment: { startDate: start, endDate: end },
      followUpPoint: 'end',
      outcome: 'kept-at-post',
      outcomeDate: end,
      measures: ['amenagement-poste'],
      reportedAt: `${end}T10:00:00Z`,
    });
    const first = report(partner('spsti-69-1'), 1, '2026-01-05', '2026-03-31');
    await documented(await as(partner('spsti-69-1'), http().post('/v1/outcomes')).send(first).expect(202), 'POST /v1/outcomes');
    await eventually(async () => (await table('/v1/metrics/maintiens?period=year')).total.values!.deduplicated === before.deduplicated + 1, 'a new maintien counted');
    const second = report(capEmploi, 2, '2026-02-10', '2026-04-30');
    await as(capEmploi, http().post('/v1/outcomes')).send(second).expect(202);
    const after = await eventually(async () => {
      const v = (await table('/v1/metrics/maintiens?period=year')).total.values!;
      return v.raw === before.raw + 2 ? v : undefined;
    }, 'the second claim counted');
    expect(after).toEqual({ raw: before.raw + 2, deduplicated: before.deduplicated + 1, duplicates: before.duplicates + 1 });
  });

  it('gives the same numbers after a full rebuild from the outcome log', async () => {
    const cells = await stack.outcomes.store.cells();
    const api = await table('/v1/metrics/maintiens?period=quarter&by=region,category');
    const rebuilt = await documented(await asAdmin(http().post('/v1/metrics/rebuild')).expect(200), 'POST /v1/metrics/rebuild');
    expect(rebuilt.body.events).toBe(validOutcomes.length + 2);
    expect(await adminTrail('metrics-rebuilt')).toEqual([{ actor: 'admin', detail: expect.objectContaining({ events: validOutcomes.length + 2 }) }]);
    expect(await stack.outcomes.store.cells()).toEqual(cells);
    expect(await table('/v1/metrics/maintiens?period=quarter&by=region,category')).toEqual(api);
  });

  it("lists each partner's due and overdue follow-ups, and publishes them as events without any NIR", async () => {
    const { rows } = await stack.db.query<{ partner: string; n: number }>(
      `SELECT responsible_partner_id AS partner, count(*)::int AS n FROM follow_ups WHERE done_date IS NULL GROUP BY 1 ORDER BY 2 DESC LIMIT 1`,
    );
    const owner = partner(rows[0].partner);
    const overdue = (await documented(await as(owner, http().get('/v1/follow-ups?status=overdue&asOf=2026-11-24')).expect(200), 'GET /v1/follow-ups')).body.items as {
      responsiblePartnerId: string;
      dueDate: string;
    }[];
    expect(overdue.length).toBeGreaterThan(0);
    expect(overdue.every((f) => f.responsiblePartnerId === owner.partnerId && f.dueDate < '2026-10-25')).toBe(true);
    const other = population.partners.find((p) => p.category === 'cpam')!;
    expect((await as(other, http().get('/v1/follow-ups?status=overdue&asOf=2026-11-24')).expect(200)).body.items).toEqual([]);
    const done = await stack.db.query<{ n: number }>('SELECT count(*)::int AS n FROM follow_ups WHERE done_date IS NOT NULL');
    expect(done.rows[0].n).toBeGreaterThan(0);

    // A chef de file named for the case takes its open follow-up over.
    const moved = (
      await stack.db.query<{ person_pseudonym: string; follow_up_id: string }>(
        `SELECT person_pseudonym, follow_up_id FROM follow_ups WHERE done_date IS NULL AND responsible_partner_id = $1 LIMIT 1`,
        [owner.partnerId],
      )
    ).rows[0];
    const carsat = population.partners.find((p) => p.category === 'service-social-carsat' && p.partnerId !== owner.partnerId)!;
    await stack.outcomes.followUps.recordChefDeFile(moved.person_pseudonym, carsat.partnerId, 'T4: service social leads');
    const carsatItems = (await documented(await as(carsat, http().get('/v1/follow-ups?status=overdue&asOf=2026-11-24')).expect(200), 'GET /v1/follow-ups')).body.items as {
      followUpId: string;
      responsibleReason: string;
    }[];
    expect(carsatItems).toEqual(expect.arrayContaining([expect.objectContaining({ followUpId: moved.follow_up_id, responsibleReason: 'chef-de-file' })]));

    const swept = await documented(await asAdmin(http().post('/v1/follow-ups/sweep?asOf=2026-11-24')).expect(200), 'POST /v1/follow-ups/sweep');
    await documented(await as(owner, http().get('/v1/follow-ups?status=late')).expect(400), 'GET /v1/follow-ups');
    expect(swept.body.published).toBeGreaterThan(0);
    expect(await adminTrail('follow-ups-swept')).toEqual([{ actor: 'admin', detail: { asOf: '2026-11-24', published: swept.body.published } }]);
    const events = await eventually(async () => {
      const r = await stack.readTopic(Topics.followUp);
      return r.length >= swept.body.published ? r : undefined;
    }, 'follow-up events');
    const nirs = messages.filter((m) => m.type === 'outcome').map((m) => (JSON.parse(m.value) as OutcomeReport).worker.nir!);
    expect(events.every((e) => /^[A-Za-z0-9_-]{43}$/.test(e.key!))).toBe(true);
    const text = events.map((e) => e.value).join('\n');
    expect(nirs.some((n) => text.includes(n))).toBe(false);
  });

  it('publishes masked snapshots on the metrics topic, with no person-level data', async () => {
    const res = await documented(await asAdmin(http().post('/v1/metrics/snapshots')).expect(202), 'POST /v1/metrics/snapshots');
    expect(await adminTrail('metrics-snapshots-published')).toEqual([{ actor: 'admin', detail: { published: res.body.published } }]);
    const records = await eventually(async () => {
      const r = await stack.readTopic(Topics.metrics);
      return r.length >= res.body.published ? r : undefined;
    }, 'metrics snapshots');
    const { rows } = await stack.db.query<{ person_pseudonym: string }>('SELECT person_pseudonym FROM metric_persons');
    const text = records.map((r) => r.value).join('\n');
    expect(rows.some((r) => text.includes(r.person_pseudonym))).toBe(false);
    const national = records.map((r) => JSON.parse(r.value)).find((s) => s.metric === 'maintiens' && s.by.length === 0);
    expect(national.schemaVersion).toBe('metrics-snapshot/1');
    expect(national.total.values.deduplicated).toBe(truth.maintiens.distinct + 1);
  });
});
