import { createHash } from 'crypto';
import { OutcomeReport } from '@pdp/contracts';
import { CellAccumulator, contributePerson, measuresToBits, PartnerLookup, PartnerNames, toDay, departementIndex, CATEGORIES, columnsOf, CompactEvent, groupByPerson } from '@pdp/metrics';
import { FOLLOW_UP_POINTS, isMaintien, OUTCOMES } from '@pdp/domain';
import { isValidNir } from '@pdp/domain';
import { Population } from './population';

const OPTIONS = { seed: 42, persons: 3000, departements: ['69', '38', '01', '13'] };

function digest(p: Population): string {
  const h = createHash('sha256');
  for (const m of p.messages()) h.update(m.topic).update(m.key).update(m.value);
  return h.digest('hex');
}

describe('population generator', () => {
  it('gives the same messages and truth for the same seed, and different ones for another seed', () => {
    const a = new Population(OPTIONS);
    const b = new Population(OPTIONS);
    expect(digest(a)).toBe(digest(b));
    expect(a.truth).toEqual(b.truth);
    expect(digest(new Population({ ...OPTIONS, seed: 43 }))).not.toBe(digest(a));
  });

  it('is shaped like the domain: many short leaves, PDP cases with several partners, malformed messages', () => {
    const p = new Population(OPTIONS);
    const messages = [...p.messages()];
    const t = p.truth;
    expect(t.persons).toBe(3000);
    expect(t.messages['sick-leave']).toBeGreaterThan(3000);
    expect(t.cases).toBeGreaterThan(100);
    expect(t.maintiens.raw).toBeGreaterThan(t.maintiens.distinct);
    expect(t.overlap.maintien.category['service-social-carsat+spsti']).toBeGreaterThan(0);
    expect(t.malformed.outcome + t.malformed['sick-leave']).toBeGreaterThan(0);
    expect(messages.filter((m) => m.malformed)).toHaveLength(Object.values(t.malformed).reduce((s, n) => s + n, 0));
    expect(t.employers.unknown).toBeGreaterThan(0);
    const valid = messages.filter((m) => !m.malformed && m.type === 'outcome').map((m) => JSON.parse(m.value) as OutcomeReport);
    expect(valid.every((o) => isValidNir(o.worker.nir!))).toBe(true);
    expect(valid.every((o) => o.outcomeDate <= '2026-06-30')).toBe(true);
  });

  it('streams a large population without holding it (all of France, 100,000 people)', () => {
    const p = new Population({ seed: 1, persons: 100_000 });
    let n = 0;
    for (const m of p.messages()) n += m.value.length > 0 ? 1 : 0;
    expect(n).toBeGreaterThan(300_000);
    expect(new Set(p.partners.map((x) => x.departements[0])).size).toBeGreaterThan(100);
  });

  it('has a ground truth the deduplication rule finds exactly from the outcome reports alone', () => {
    const p = new Population(OPTIONS);
    const reports = [...p.messages()].filter((m) => m.type === 'outcome' && !m.malformed).map((m) => JSON.parse(m.value) as OutcomeReport);
    const ids = p.partners.map((x) => x.partnerId);
    const byId = new Map(ids.map((id, i) => [id, i + 1]));
    const sorted = [...ids].sort();
    const cat = new Map(p.partners.map((x) => [byId.get(x.partnerId)!, x.category]));
    const partners: PartnerLookup & PartnerNames = {
      rank: (n) => sorted.indexOf(ids[n - 1]),
      category: (n) => CATEGORIES.indexOf(cat.get(n)!),
      id: (n) => ids[n - 1],
      categoryName: (n) => cat.get(n)!,
    };
    const persons = new Map<string, number>();
    const events: CompactEvent[] = reports.map((r) => ({
      person: persons.get(r.worker.nir!) ?? (persons.set(r.worker.nir!, persons.size + 1), persons.size),
      partner: byId.get(r.reporter.partnerId)!,
      start: toDay(r.accompaniment.startDate),
      end: toDay(r.accompaniment.endDate ?? r.outcomeDate),
      outcomeDay: toDay(r.outcomeDate),
      followUp: FOLLOW_UP_POINTS.indexOf(r.followUpPoint),
      outcome: OUTCOMES.indexOf(r.outcome),
      measures: measuresToBits(r.measures),
      pyramide: 0,
      dept: departementIndex(r.worker.departement),
      requester: 0,
    }));
    const c = columnsOf(events);
    const acc = new CellAccumulator();
    const { order, offsets } = groupByPerson(c);
    for (let k = 0; k + 1 < offsets.length; k++) contributePerson(c, Array.from(order.subarray(offsets[k], offsets[k + 1])), { gapDays: 60 }, partners, acc, 1);
    const rows = acc.outcomeRows(partners);
    const maintien = rows.filter((r) => isMaintien(r.outcome));
    expect(maintien.reduce((s, r) => s + r.n, 0)).toBe(p.truth.maintiens.raw);
    expect(maintien.filter((r) => r.credited).reduce((s, r) => s + r.n, 0)).toBe(p.truth.maintiens.distinct);
    expect(rows.filter((r) => r.credited).reduce((s, r) => s + r.n, 0)).toBe(p.truth.cases);
    const overlap: Record<string, number> = {};
    for (const o of acc.overlapRows(partners)) if (o.scope === 'maintien' && o.level === 'category') overlap[o.members] = (overlap[o.members] ?? 0) + o.n;
    expect(overlap).toEqual(p.truth.overlap.maintien.category);
  });
});
