import { isMaintienCode, PRE_REPRISE_BIT } from './codes';
import { EventColumns } from './events';

/**
 * The deduplication rule (docs/architecture.md, "Deduplication rule"):
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
  /** Members m0 < m1 (< m2; -1 for a pair): partner numbers (level 0) or category codes (level 1), in canonical order. scope 0: maintien claims, 1: any claim. */
  overlap(month: number, dept: number, scope: number, level: number, m0: number, m1: number, m2: number, delta: number): void;
}

/*
 * The rule runs over scratch arrays of the module (no allocation per person or case; nothing
 * here is re-entered): a rebuild calls it for millions of persons.
 */
let EVENTS = new Int32Array(64);

function eventScratch(n: number): Int32Array {
  if (EVENTS.length < n) EVENTS = new Int32Array(Math.max(n, 2 * EVENTS.length));
  return EVENTS;
}

let CASE_ENDS = new Int32Array(64);

/** Groups one person's events (indices into c) into cases; each case's indices in standing order. */
export function casesOf(c: EventColumns, events: readonly number[], opts: DedupOptions, partners: PartnerLookup): number[][] {
  const n = events.length;
  const buf = eventScratch(n);
  for (let j = 0; j < n; j++) buf[j] = events[j];
  const count = splitCases(c, buf, n, opts);
  const cases: number[][] = [];
  for (let k = 0, from = 0; k < count; from = CASE_ENDS[k++]) {
    sortByStanding(c, partners, buf, from, CASE_ENDS[k]);
    cases.push(Array.from(buf.subarray(from, CASE_ENDS[k])));
  }
  return cases;
}

/**
 * Rule 1 over buf[0..n) (one person's events): sorts them by window (stable); the cases are the
 * runs of joined windows, ending at CASE_ENDS[0..count), the count returned.
 */
function splitCases(c: EventColumns, buf: Int32Array, n: number, opts: DedupOptions): number {
  const { start, end } = c;
  if (n > 32) buf.set(Array.from(buf.subarray(0, n)).sort((a, b) => start[a] - start[b] || end[a] - end[b]));
  else
    for (let i = 1; i < n; i++) {
      // Insertion sort (stable, like Array.prototype.sort): a person has a handful of reports.
      const x = buf[i];
      let j = i - 1;
      while (j >= 0 && (start[buf[j]] - start[x] || end[buf[j]] - end[x]) > 0) {
        buf[j + 1] = buf[j];
        j--;
      }
      buf[j + 1] = x;
    }
  if (CASE_ENDS.length < n) CASE_ENDS = new Int32Array(2 * n);
  let count = 0;
  let currentEnd = end[buf[0]];
  for (let j = 1; j < n; j++) {
    const i = buf[j];
    if (start[i] > currentEnd + opts.gapDays) {
      CASE_ENDS[count++] = j;
      currentEnd = end[i];
    } else if (end[i] > currentEnd) currentEnd = end[i];
  }
  CASE_ENDS[count++] = n;
  return count;
}

/** Rule 3 over buf[from..to), stable. */
function sortByStanding(c: EventColumns, partners: PartnerLookup, buf: Int32Array, from: number, to: number): void {
  if (to - from > 32) {
    buf.set(
      Array.from(buf.subarray(from, to)).sort((a, b) => standing(c, partners, a, b)),
      from,
    );
    return;
  }
  for (let i = from + 1; i < to; i++) {
    const x = buf[i];
    let j = i - 1;
    while (j >= from && standing(c, partners, buf[j], x) > 0) {
      buf[j + 1] = buf[j];
      j--;
    }
    buf[j + 1] = x;
  }
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
export function contributePerson(c: EventColumns, events: readonly number[], opts: DedupOptions, partners: PartnerLookup, sink: CaseSink, sign: number): void {
  const n = events.length;
  if (n === 0) return;
  const buf = eventScratch(n);
  for (let j = 0; j < n; j++) buf[j] = events[j];
  contributeEvents(c, buf, n, opts, partners, sink, sign);
}

/** As contributePerson, for a person whose events are c's indices from..to-1 (a rebuild, after sortByPerson). */
export function contributeRun(c: EventColumns, from: number, to: number, opts: DedupOptions, partners: PartnerLookup, sink: CaseSink, sign: number): void {
  const n = to - from;
  const buf = eventScratch(n);
  for (let j = 0; j < n; j++) buf[j] = from + j;
  contributeEvents(c, buf, n, opts, partners, sink, sign);
}

function contributeEvents(c: EventColumns, buf: Int32Array, n: number, opts: DedupOptions, partners: PartnerLookup, sink: CaseSink, sign: number): void {
  if (n === 1) return contributeCase(c, buf, 0, 1, partners, sink, sign);
  const count = splitCases(c, buf, n, opts);
  // Cases are emitted in window order; CASE_ENDS is not touched by contributeCase.
  for (let k = 0, from = 0; k < count; from = CASE_ENDS[k++]) {
    const to = CASE_ENDS[k];
    sortByStanding(c, partners, buf, from, to);
    contributeCase(c, buf, from, to, partners, sink, sign);
  }
}

// Claims of the case at hand (rule 2), and the members of its overlaps.
let CLAIM_PARTNERS = new Int32Array(16);
let CLAIM_OUTCOME = new Int32Array(16);
let CLAIM_MEASURES = new Int32Array(16);
let CLAIM_REQUESTER = new Int32Array(16);
let MEMBERS = new Int32Array(16);
let CATEGORY_CODES = new Int32Array(16);

/** The case made of the events buf[from..to), in standing order. */
function contributeCase(c: EventColumns, buf: Int32Array, from: number, to: number, partners: PartnerLookup, sink: CaseSink, sign: number): void {
  const top = buf[from];
  let maxEnd = c.end[top];
  let dept = 0;
  let pyramide = 0;
  for (let j = from; j < to; j++) {
    const i = buf[j];
    if (c.end[i] > maxEnd) maxEnd = c.end[i];
    if (dept === 0) dept = c.dept[i];
    if (pyramide === 0) pyramide = c.pyramide[i];
  }
  const month = monthIndexOfDay(maxEnd);
  const caseMaintien = isMaintienCode(c.outcome[top]);

  if (to - from === 1) {
    // The common case: one report, one claim, credited, nothing overlaps.
    sink.outcome(month, dept, c.partner[top], pyramide, c.outcome[top], true, caseMaintien, false, sign);
    emitMeasures(sink, month, dept, c.partner[top], c.measures[top], c.requester[top], c.measures[top], caseMaintien, sign);
    return;
  }

  // Rule 2: one claim per partner, its first report in standing order; measures are the union
  // of the partner's reports on the case, the requester its latest known one.
  if (CLAIM_PARTNERS.length < to - from) {
    const size = 2 * (to - from);
    CLAIM_PARTNERS = new Int32Array(size);
    CLAIM_OUTCOME = new Int32Array(size);
    CLAIM_MEASURES = new Int32Array(size);
    CLAIM_REQUESTER = new Int32Array(size);
    MEMBERS = new Int32Array(size);
    CATEGORY_CODES = new Int32Array(size);
  }
  const claimPartners = CLAIM_PARTNERS;
  const claimOutcome = CLAIM_OUTCOME;
  const claimMeasures = CLAIM_MEASURES;
  const claimRequester = CLAIM_REQUESTER;
  let claims = 0;
  for (let j = from; j < to; j++) {
    const i = buf[j];
    const p = c.partner[i];
    let k = 0;
    while (k < claims && claimPartners[k] !== p) k++;
    if (k === claims) {
      claims++;
      claimPartners[k] = p;
      claimOutcome[k] = c.outcome[i];
      claimMeasures[k] = 0;
      claimRequester[k] = 0;
    }
    claimMeasures[k] |= c.measures[i];
    if (claimRequester[k] === 0) claimRequester[k] = c.requester[i];
  }
  let disagreement = false;
  for (let k = 1; k < claims; k++) if (claimOutcome[k] !== claimOutcome[0]) disagreement = true;

  // A measure is credited to the first claim (standing order) that mobilised it.
  let uncredited = 0;
  for (let k = 0; k < claims; k++) uncredited |= claimMeasures[k];
  for (let k = 0; k < claims; k++) {
    sink.outcome(month, dept, claimPartners[k], pyramide, claimOutcome[k], k === 0, caseMaintien, disagreement, sign);
    const credit = claimMeasures[k] & uncredited;
    uncredited &= ~claimMeasures[k];
    emitMeasures(sink, month, dept, claimPartners[k], claimMeasures[k], claimRequester[k], credit, caseMaintien, sign);
  }

  if (claims < 2) return;
  const members = MEMBERS;
  let maintiens = 0;
  for (let k = 0; k < claims; k++) if (isMaintienCode(claimOutcome[k])) members[maintiens++] = claimPartners[k];
  emitOverlaps(sink, month, dept, 0, members, maintiens, partners, sign);
  for (let k = 0; k < claims; k++) members[k] = claimPartners[k];
  emitOverlaps(sink, month, dept, 1, members, claims, partners, sign);
}

function emitMeasures(sink: CaseSink, month: number, dept: number, partner: number, bits: number, requester: number, credited: number, caseMaintien: boolean, sign: number): void {
  for (let m = 0; bits >> m !== 0; m++) {
    if ((bits & (1 << m)) === 0) continue;
    sink.measure(month, dept, partner, m, m === PRE_REPRISE_BIT ? requester : 0, (credited & (1 << m)) !== 0, caseMaintien, sign);
  }
}

/** Every pair and triple of the partners members[0..count), and of their distinct categories. */
function emitOverlaps(sink: CaseSink, month: number, dept: number, scope: number, members: Int32Array, count: number, partners: PartnerLookup, sign: number): void {
  // Distinct category codes in order of appearance, taken before members are sorted.
  const categories = CATEGORY_CODES;
  let distinct = 0;
  for (let k = 0; k < count; k++) {
    const code = partners.category(members[k]);
    let j = 0;
    while (j < distinct && categories[j] !== code) j++;
    if (j === distinct) categories[distinct++] = code;
  }
  if (count >= 2) {
    // Members by rank (insertion sort in place).
    for (let i = 1; i < count; i++) {
      const x = members[i];
      const rx = partners.rank(x);
      let j = i - 1;
      while (j >= 0 && partners.rank(members[j]) > rx) {
        members[j + 1] = members[j];
        j--;
      }
      members[j + 1] = x;
    }
    combinations(members, count, sink, month, dept, scope, 0, sign);
  }
  if (distinct >= 2) {
    for (let i = 1; i < distinct; i++) {
      const x = categories[i];
      let j = i - 1;
      while (j >= 0 && categories[j] > x) {
        categories[j + 1] = categories[j];
        j--;
      }
      categories[j + 1] = x;
    }
    combinations(categories, distinct, sink, month, dept, scope, 1, sign);
  }
}

function combinations(xs: Int32Array, n: number, sink: CaseSink, month: number, dept: number, scope: number, level: number, sign: number): void {
  for (let a = 0; a < n; a++)
    for (let b = a + 1; b < n; b++) {
      sink.overlap(month, dept, scope, level, xs[a], xs[b], -1, sign);
      for (let d = b + 1; d < n; d++) sink.overlap(month, dept, scope, level, xs[a], xs[b], xs[d], sign);
    }
}

// Months of the days 1970-01-01 + [0, 65536) (to 2149), as month + 1 once computed (0: not yet).
const MONTH_OF_DAY = new Int32Array(65536);

/** Months since 1970-01 of a day number (asked once per case in a rebuild: a table of the days met). */
export function monthIndexOfDay(day: number): number {
  if (day >= 0 && day < 65536) {
    const m = MONTH_OF_DAY[day];
    if (m !== 0) return m - 1;
    return (MONTH_OF_DAY[day] = civilMonth(day) + 1) - 1;
  }
  return civilMonth(day);
}

/** Months since 1970-01 of a day number, by arithmetic (civil-from-days). */
function civilMonth(day: number): number {
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
