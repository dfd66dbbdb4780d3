import { isMaintienCode, PRE_REPRISE_BIT } from './codes';
import { EventColumns } from './events';

/**
 * The deduplication rule (README "Deduplication"):
 *
 * 1. Same case. Reports about the same person pseudonym belong to the same case when their
 *    accompaniment windows [start, end] overlap or are separated by at most `gapDays` days,
 *    transitively (a report bridging two cases joins them). The result does not depend on the
 *    order in which reports arrive.
 * 2. Claims. Each partner's latest report on a case (in the order of rule 3) is its claim: the
 *    raw sum of partners' claims is what partners would count each in their own system.
 * 3. Standing outcome. The case's outcome is that of its latest report: latest follow-up point
 *    (12m > 6m > 3m > end), then latest outcome date, then the partner id (alphabetical) and the
 *    report's content as deterministic tie-breaks. That report's claim is credited: counted once.
 * 4. Disagreement. A case whose partners' claims have different outcomes is a disagreement.
 *
 * So for every cell: raw = deduplicated (credited) + duplicates (claims on a case already
 * credited to another claim), exactly; a maintien claim on a case whose standing outcome is not
 * a maintien is an "overruled" duplicate.
 */
export interface DedupOptions {
  gapDays: number;
}

/** What partners are to the rule: an order (alphabetical id) and a category code. */
export interface PartnerLookup {
  rank(partnerNo: number): number;
  category(partnerNo: number): number;
}

/** Receives the contributions of cases to the aggregates (sign -1 to retract, +1 to add). */
export interface CaseSink {
  outcome(month: number, dept: number, partner: number, pyramide: number, outcome: number, credited: boolean, caseMaintien: boolean, disagreement: boolean, delta: number): void;
  measure(month: number, dept: number, partner: number, measure: number, requester: number, credited: boolean, caseMaintien: boolean, delta: number): void;
  /** members: partner numbers (level 0) or category codes (level 1), in canonical order, valid during the call only. scope 0: maintien claims, 1: any claim. */
  overlap(month: number, dept: number, scope: number, level: number, members: number[], delta: number): void;
}

/** Groups one person's events (indices into c) into cases; each case's indices in standing order. */
export function casesOf(c: EventColumns, events: number[], opts: DedupOptions, partners: PartnerLookup): number[][] {
  if (events.length === 1) return [[events[0]]];
  const byStart = insertionSort(events.slice(), (a, b) => c.start[a] - c.start[b] || c.end[a] - c.end[b]);
  const cases: number[][] = [];
  let current: number[] = [];
  let currentEnd = -Infinity;
  for (const i of byStart) {
    if (current.length > 0 && c.start[i] > currentEnd + opts.gapDays) {
      cases.push(current);
      current = [];
      currentEnd = -Infinity;
    }
    current.push(i);
    if (c.end[i] > currentEnd) currentEnd = c.end[i];
  }
  if (current.length > 0) cases.push(current);
  for (const k of cases) if (k.length > 1) insertionSort(k, (a, b) => standing(c, partners, a, b));
  return cases;
}

/** A person has a handful of reports: an insertion sort (stable, like Array.prototype.sort) beats the generic one; large inputs use the latter. */
function insertionSort(xs: number[], cmp: (a: number, b: number) => number): number[] {
  if (xs.length > 16) return xs.sort(cmp);
  for (let i = 1; i < xs.length; i++) {
    const x = xs[i];
    let j = i - 1;
    while (j >= 0 && cmp(xs[j], x) > 0) {
      xs[j + 1] = xs[j];
      j--;
    }
    xs[j + 1] = x;
  }
  return xs;
}

/** Rule 3: negative when a stands before b. */
export function standing(c: EventColumns, partners: PartnerLookup, a: number, b: number): number {
  return (
    c.followUp[b] - c.followUp[a] ||
    c.outcomeDay[b] - c.outcomeDay[a] ||
    partners.rank(c.partner[a]) - partners.rank(c.partner[b]) ||
    c.end[b] - c.end[a] ||
    c.start[b] - c.start[a] ||
    c.outcome[a] - c.outcome[b] ||
    c.measures[a] - c.measures[b] ||
    c.dept[a] - c.dept[b] ||
    c.pyramide[a] - c.pyramide[b] ||
    c.requester[a] - c.requester[b]
  );
}

/** Emits the contributions of every case of one person (events = that person's indices). */
export function contributePerson(c: EventColumns, events: number[], opts: DedupOptions, partners: PartnerLookup, sink: CaseSink, sign: number): void {
  if (events.length === 1) return contributeCase(c, events, partners, sink, sign);
  for (const k of casesOf(c, events, opts, partners)) contributeCase(c, k, partners, sink, sign);
}

function contributeCase(c: EventColumns, k: number[], partners: PartnerLookup, sink: CaseSink, sign: number): void {
  const top = k[0];
  let maxEnd = c.end[top];
  let dept = 0;
  let pyramide = 0;
  for (const i of k) {
    if (c.end[i] > maxEnd) maxEnd = c.end[i];
    if (dept === 0) dept = c.dept[i];
    if (pyramide === 0) pyramide = c.pyramide[i];
  }
  const month = monthIndexOfDay(maxEnd);
  const caseMaintien = isMaintienCode(c.outcome[top]);

  if (k.length === 1) {
    // The common case: one report, one claim, credited, nothing overlaps.
    sink.outcome(month, dept, c.partner[top], pyramide, c.outcome[top], true, caseMaintien, false, sign);
    emitMeasures(sink, month, dept, c.partner[top], c.measures[top], c.requester[top], c.measures[top], caseMaintien, sign);
    return;
  }

  // Rule 2: one claim per partner, its first report in standing order; measures are the union
  // of the partner's reports on the case, the requester its latest known one.
  // Module scratch arrays (no allocation per case; nothing here is re-entered).
  const claimPartners = CLAIM_PARTNERS;
  const claimOutcome = CLAIM_OUTCOME;
  const claimMeasures = CLAIM_MEASURES;
  const claimRequester = CLAIM_REQUESTER;
  claimPartners.length = claimOutcome.length = claimMeasures.length = claimRequester.length = 0;
  for (const i of k) {
    const p = c.partner[i];
    let j = claimPartners.indexOf(p);
    if (j < 0) {
      j = claimPartners.length;
      claimPartners.push(p);
      claimOutcome.push(c.outcome[i]);
      claimMeasures.push(0);
      claimRequester.push(0);
    }
    claimMeasures[j] |= c.measures[i];
    if (claimRequester[j] === 0) claimRequester[j] = c.requester[i];
  }
  let disagreement = false;
  for (let j = 1; j < claimOutcome.length; j++) if (claimOutcome[j] !== claimOutcome[0]) disagreement = true;

  // A measure is credited to the first claim (standing order) that mobilised it.
  let uncredited = 0;
  for (const m of claimMeasures) uncredited |= m;
  for (let j = 0; j < claimPartners.length; j++) {
    sink.outcome(month, dept, claimPartners[j], pyramide, claimOutcome[j], j === 0, caseMaintien, disagreement, sign);
    const credit = claimMeasures[j] & uncredited;
    uncredited &= ~claimMeasures[j];
    emitMeasures(sink, month, dept, claimPartners[j], claimMeasures[j], claimRequester[j], credit, caseMaintien, sign);
  }

  if (claimPartners.length < 2) return;
  const maintienPartners = MAINTIEN_PARTNERS;
  maintienPartners.length = 0;
  for (let j = 0; j < claimPartners.length; j++) if (isMaintienCode(claimOutcome[j])) maintienPartners.push(claimPartners[j]);
  emitOverlaps(sink, month, dept, 0, maintienPartners, partners, sign);
  emitOverlaps(sink, month, dept, 1, claimPartners, partners, sign);
}

const CLAIM_PARTNERS: number[] = [];
const CLAIM_OUTCOME: number[] = [];
const CLAIM_MEASURES: number[] = [];
const CLAIM_REQUESTER: number[] = [];
const MAINTIEN_PARTNERS: number[] = [];
const BY_RANK: number[] = [];
const CATEGORY_CODES: number[] = [];

function emitMeasures(sink: CaseSink, month: number, dept: number, partner: number, bits: number, requester: number, credited: number, caseMaintien: boolean, sign: number): void {
  for (let m = 0; bits >> m !== 0; m++) {
    if ((bits & (1 << m)) === 0) continue;
    sink.measure(month, dept, partner, m, m === PRE_REPRISE_BIT ? requester : 0, (credited & (1 << m)) !== 0, caseMaintien, sign);
  }
}

/** Every pair and triple of the partners, and of their distinct categories. */
function emitOverlaps(sink: CaseSink, month: number, dept: number, scope: number, members: number[], partners: PartnerLookup, sign: number): void {
  if (members.length >= 2) {
    // Members by rank, then their distinct category codes in ascending order (insertion sorts, in scratch arrays).
    const byRank = BY_RANK;
    byRank.length = 0;
    for (const m of members) byRank.push(m);
    insertionSort(byRank, (a, b) => partners.rank(a) - partners.rank(b));
    combinations(byRank, sink, month, dept, scope, 0, sign);
  }
  const categories = CATEGORY_CODES;
  categories.length = 0;
  for (const p of members) {
    const code = partners.category(p);
    if (!categories.includes(code)) categories.push(code);
  }
  if (categories.length >= 2) {
    insertionSort(categories, (a, b) => a - b);
    combinations(categories, sink, month, dept, scope, 1, sign);
  }
}

// The sink reads members during the call only: two scratch arrays serve every combination.
const PAIR = [0, 0];
const TRIPLE = [0, 0, 0];

function combinations(xs: number[], sink: CaseSink, month: number, dept: number, scope: number, level: number, sign: number): void {
  for (let a = 0; a < xs.length; a++)
    for (let b = a + 1; b < xs.length; b++) {
      PAIR[0] = xs[a];
      PAIR[1] = xs[b];
      sink.overlap(month, dept, scope, level, PAIR, sign);
      for (let d = b + 1; d < xs.length; d++) {
        TRIPLE[0] = xs[a];
        TRIPLE[1] = xs[b];
        TRIPLE[2] = xs[d];
        sink.overlap(month, dept, scope, level, TRIPLE, sign);
      }
    }
}

/** Months since 1970-01 of a day number, by arithmetic (civil-from-days), hot in rebuilds. */
export function monthIndexOfDay(day: number): number {
  const z = day + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return (year - 1970) * 12 + month - 1;
}
