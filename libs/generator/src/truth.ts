import { FollowUpPoint, OutcomeKind, PartnerCategory } from '@pdp/contracts';
import { FOLLOW_UP_POINTS, isMaintien, OUTCOMES } from '@pdp/domain';

export type MessageType = 'sick-leave' | 'employer-declaration' | 'signalement' | 'outcome';

/** A report of a case as the generator made it (the truth knows who said what). */
export interface CaseReport {
  partnerId: string;
  category: PartnerCategory;
  point: FollowUpPoint;
  date: string;
  outcome: OutcomeKind;
}

/** What the hub should find, known by construction (not by running the hub's rule). */
export interface GroundTruth {
  seed: number;
  persons: number;
  episodes: number;
  /** Episodes that became a PDP case with at least one outcome report. */
  cases: number;
  messages: Record<MessageType, number>;
  malformed: Record<MessageType, number>;
  /** Maintiens en emploi: distinct = cases whose true outcome is a maintien; raw = partners' maintien claims. */
  maintiens: { distinct: number; raw: number; duplicates: number; overruled: number };
  outcomes: Record<string, { distinct: number; raw: number }>;
  /** Cases on which partners' claims differ. */
  disagreements: number;
  /** Cases claimed by every member of a pair/triple ("a+b", alphabetical), per scope and level. */
  overlap: Record<'maintien' | 'accompaniment', Record<'partner' | 'category', Record<string, number>>>;
  orientations: { total: number; consentMissing: number; byCategories: Record<string, number> };
  employers: { known: number; unknown: number };
}

export function emptyTruth(seed: number): GroundTruth {
  const byType = () => ({ 'sick-leave': 0, 'employer-declaration': 0, signalement: 0, outcome: 0 });
  return {
    seed,
    persons: 0,
    episodes: 0,
    cases: 0,
    messages: byType(),
    malformed: byType(),
    maintiens: { distinct: 0, raw: 0, duplicates: 0, overruled: 0 },
    outcomes: Object.fromEntries(OUTCOMES.map((o) => [o, { distinct: 0, raw: 0 }])),
    disagreements: 0,
    overlap: { maintien: { partner: {}, category: {} }, accompaniment: { partner: {}, category: {} } },
    orientations: { total: 0, consentMissing: 0, byCategories: {} },
    employers: { known: 0, unknown: 0 },
  };
}

/** Adds a case whose standing outcome is `truth` (the generator made its latest report say so). */
export function addCase(t: GroundTruth, reports: CaseReport[], truth: OutcomeKind): void {
  if (reports.length === 0) return;
  t.cases++;
  // Each partner's claim: its latest report (later follow-up point, then later date).
  const claims = new Map<string, CaseReport>();
  for (const r of reports) {
    const c = claims.get(r.partnerId);
    if (!c || FOLLOW_UP_POINTS.indexOf(r.point) > FOLLOW_UP_POINTS.indexOf(c.point) || (r.point === c.point && r.date > c.date)) claims.set(r.partnerId, r);
  }
  const all = [...claims.values()];
  t.outcomes[truth].distinct++;
  for (const c of all) t.outcomes[c.outcome].raw++;
  if (new Set(all.map((c) => c.outcome)).size > 1) t.disagreements++;
  const maintienClaims = all.filter((c) => isMaintien(c.outcome));
  t.maintiens.raw += maintienClaims.length;
  if (isMaintien(truth)) t.maintiens.distinct++;
  else t.maintiens.overruled += maintienClaims.length;
  t.maintiens.duplicates = t.maintiens.raw - t.maintiens.distinct;
  addOverlaps(t.overlap.maintien, maintienClaims);
  addOverlaps(t.overlap.accompaniment, all);
}

function addOverlaps(target: Record<'partner' | 'category', Record<string, number>>, claims: CaseReport[]): void {
  const partners = claims.map((c) => c.partnerId).sort();
  const categories = [...new Set(claims.map((c) => c.category))].sort();
  for (const [level, xs] of [
    ['partner', partners],
    ['category', categories],
  ] as const) {
    for (let a = 0; a < xs.length; a++)
      for (let b = a + 1; b < xs.length; b++) {
        bump(target[level], `${xs[a]}+${xs[b]}`);
        for (let c = b + 1; c < xs.length; c++) bump(target[level], `${xs[a]}+${xs[b]}+${xs[c]}`);
      }
  }
}

function bump(m: Record<string, number>, k: string): void {
  m[k] = (m[k] ?? 0) + 1;
}
