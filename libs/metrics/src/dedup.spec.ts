import { CellAccumulator, PartnerNames } from './accumulator';
import { measuresToBits, toDay } from './codes';
import { FOLLOW_UP_POINTS, OUTCOMES } from '@pdp/domain';
import { casesOf, contributePerson, PartnerLookup } from './dedup';
import { CompactEvent, columnsOf } from './events';
import { departementIndex } from './territory';

// Partners 1..4: two SPSTI, the service social, Cap emploi (category codes of codes.ts).
const IDS = ['', 'spsti-69', 'spsti-38', 'carsat-ss-84', 'cap-emploi-69'];
const CATS = ['', 'spsti', 'spsti', 'service-social-carsat', 'cap-emploi'];
const CAT_CODES = [0, 0, 0, 1, 4];
const partners: PartnerLookup & PartnerNames = {
  rank: (p) => [...IDS].sort().indexOf(IDS[p]),
  category: (p) => CAT_CODES[p],
  id: (p) => IDS[p],
  categoryName: (p) => CATS[p],
};
const SPSTI = 1,
  SPSTI2 = 2,
  CARSAT = 3,
  CAP = 4;

function ev(partner: number, start: string, end: string, outcome: string, over: Partial<CompactEvent> & { point?: string; on?: string; measures?: string[] } = {}): CompactEvent {
  const { point = 'end', on = end, measures = [], ...rest } = over as { point?: string; on?: string; measures?: string[] } & Partial<CompactEvent>;
  return {
    person: 1,
    partner,
    start: toDay(start),
    end: toDay(end),
    outcomeDay: toDay(on),
    followUp: FOLLOW_UP_POINTS.indexOf(point as 'end'),
    outcome: OUTCOMES.indexOf(outcome as 'kept-at-post'),
    measures: measuresToBits(measures),
    pyramide: 0,
    dept: departementIndex('69'),
    requester: 0,
    ...rest,
  };
}

function run(events: CompactEvent[], gapDays = 30) {
  const c = columnsOf(events);
  const acc = new CellAccumulator();
  contributePerson(
    c,
    events.map((_, i) => i),
    { gapDays },
    partners,
    acc,
    1,
  );
  const rows = acc.outcomeRows(partners);
  const maintien = rows.filter((r) => ['kept-at-post', 'post-adapted', 'redeployed-internal', 'redeployed-external'].includes(r.outcome));
  const sum = (rs: typeof rows) => rs.reduce((s, r) => s + r.n, 0);
  return {
    cases: casesOf(
      c,
      events.map((_, i) => i),
      { gapDays },
      partners,
    ).length,
    raw: sum(maintien),
    dedup: sum(maintien.filter((r) => r.credited)),
    overruled: sum(maintien.filter((r) => !r.caseMaintien)),
    disagreements: sum(rows.filter((r) => r.credited && r.disagreement)),
    acc,
    rows,
  };
}

describe('deduplication rule', () => {
  it('counts once a maintien claimed by two partners whose windows overlap, and shows the overlap', () => {
    const r = run([ev(SPSTI, '2025-01-10', '2025-04-30', 'kept-at-post'), ev(CARSAT, '2025-03-01', '2025-06-30', 'kept-at-post')]);
    expect(r).toMatchObject({ cases: 1, raw: 2, dedup: 1, overruled: 0, disagreements: 0 });
    const overlaps = r.acc.overlapRows(partners);
    expect(overlaps).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ scope: 'maintien', level: 'partner', members: 'carsat-ss-84+spsti-69', size: 2, n: 1 }),
        expect.objectContaining({ scope: 'maintien', level: 'category', members: 'service-social-carsat+spsti', size: 2, n: 1 }),
      ]),
    );
  });

  it('joins windows separated by at most the gap, and only those', () => {
    const a = ev(SPSTI, '2025-01-01', '2025-01-31', 'kept-at-post');
    expect(run([a, ev(CAP, '2025-03-02', '2025-04-30', 'kept-at-post')], 30).cases).toBe(1);
    expect(run([a, ev(CAP, '2025-03-03', '2025-04-30', 'kept-at-post')], 30).cases).toBe(2);
    expect(run([a, ev(CAP, '2025-03-03', '2025-04-30', 'kept-at-post')], 60).cases).toBe(1);
  });

  it('lets a report bridge two cases, whatever the order of arrival', () => {
    const events = [ev(SPSTI, '2025-01-01', '2025-01-31', 'kept-at-post'), ev(CAP, '2025-06-01', '2025-06-30', 'post-adapted'), ev(CARSAT, '2025-02-15', '2025-05-20', 'post-adapted')];
    for (const order of [
      [0, 1, 2],
      [2, 1, 0],
      [1, 2, 0],
    ]) {
      const r = run(order.map((i) => events[i]));
      expect(r).toMatchObject({ cases: 1, raw: 3, dedup: 1, disagreements: 1 });
    }
    expect(run(events.slice(0, 2)).cases).toBe(2);
  });

  it('lets the latest follow-up point win, and counts the overruled claim and the disagreement', () => {
    const r = run([ev(SPSTI, '2025-01-10', '2025-04-30', 'kept-at-post'), ev(CAP, '2025-02-01', '2025-05-15', 'unfit-dismissed', { point: '6m', on: '2025-11-15' } as never)]);
    expect(r).toMatchObject({ cases: 1, raw: 1, dedup: 0, overruled: 1, disagreements: 1 });
    const standing = r.rows.find((x) => x.credited)!;
    expect(standing).toMatchObject({ partnerId: 'cap-emploi-69', outcome: 'unfit-dismissed', month: '2025-05-01' });
  });

  it('at the same follow-up point, the latest outcome date wins; then the partner id', () => {
    const later = run([
      ev(SPSTI, '2025-01-10', '2025-04-30', 'kept-at-post', { on: '2025-05-01' } as never),
      ev(CAP, '2025-02-01', '2025-05-15', 'redeployed-external', { on: '2025-05-20' } as never),
    ]);
    expect(later.rows.find((x) => x.credited)!.outcome).toBe('redeployed-external');
    const tie = run([ev(SPSTI, '2025-01-10', '2025-04-30', 'kept-at-post', { on: '2025-05-01' } as never), ev(CAP, '2025-02-01', '2025-05-15', 'post-adapted', { on: '2025-05-01' } as never)]);
    expect(tie.rows.find((x) => x.credited)!.partnerId).toBe('cap-emploi-69');
  });

  it('makes one claim of a partner reporting the end and the follow-ups of its accompaniment', () => {
    const r = run([
      ev(SPSTI, '2025-01-10', '2025-04-30', 'kept-at-post'),
      ev(SPSTI, '2025-01-10', '2025-04-30', 'post-adapted', { point: '6m', on: '2025-10-30' } as never),
      ev(SPSTI2, '2025-01-20', '2025-03-30', 'kept-at-post'),
    ]);
    expect(r).toMatchObject({ cases: 1, raw: 2, dedup: 1, disagreements: 1 });
    expect(r.rows.filter((x) => x.partnerId === 'spsti-69')).toHaveLength(1);
    // Two SPSTI: a partner pair, but no pair of categories.
    const overlaps = r.acc.overlapRows(partners).filter((o) => o.scope === 'maintien');
    expect(overlaps.map((o) => `${o.level}:${o.members}`)).toEqual(['partner:spsti-38+spsti-69']);
  });

  it('counts pairs and triples of a case claimed by three partners, and credits each measure once', () => {
    const r = run([
      ev(SPSTI, '2025-01-10', '2025-04-30', 'kept-at-post', { measures: ['visite-pre-reprise', 'amenagement-poste'] } as never),
      ev(CARSAT, '2025-02-01', '2025-05-30', 'kept-at-post', { measures: ['essai-encadre'] } as never),
      ev(CAP, '2025-02-01', '2025-05-30', 'kept-at-post', { measures: ['amenagement-poste', 'aide-agefiph'] } as never),
    ]);
    expect(r).toMatchObject({ raw: 3, dedup: 1 });
    const cat = r.acc.overlapRows(partners).filter((o) => o.scope === 'maintien' && o.level === 'category');
    expect(cat.map((o) => o.members).sort()).toEqual(['cap-emploi+service-social-carsat', 'cap-emploi+service-social-carsat+spsti', 'cap-emploi+spsti', 'service-social-carsat+spsti']);
    const measures = r.acc.measureRows(partners);
    const amenagement = measures.filter((m) => m.measure === 'amenagement-poste');
    expect(amenagement.reduce((s, m) => s + m.n, 0)).toBe(2);
    expect(amenagement.filter((m) => m.credited)).toHaveLength(1);
  });

  it('retracting and re-adding a person gives the same cells as computing it once (incremental = rebuild)', () => {
    const before = [ev(SPSTI, '2025-01-10', '2025-04-30', 'kept-at-post'), ev(CAP, '2025-06-20', '2025-08-30', 'post-adapted')];
    const after = [...before, ev(CARSAT, '2025-04-15', '2025-06-30', 'redeployed-internal', { point: '3m', on: '2025-09-30' } as never)];
    const acc = new CellAccumulator();
    const cb = columnsOf(before);
    const ca = columnsOf(after);
    contributePerson(cb, [0, 1], { gapDays: 30 }, partners, acc, 1);
    contributePerson(cb, [0, 1], { gapDays: 30 }, partners, acc, -1);
    contributePerson(ca, [0, 1, 2], { gapDays: 30 }, partners, acc, 1);
    const once = new CellAccumulator();
    contributePerson(ca, [2, 0, 1], { gapDays: 30 }, partners, once, 1);
    expect(acc.outcomeRows(partners)).toEqual(once.outcomeRows(partners));
    expect(acc.overlapRows(partners).sort((a, b) => a.members.localeCompare(b.members))).toEqual(once.overlapRows(partners).sort((a, b) => a.members.localeCompare(b.members)));
  });
});
