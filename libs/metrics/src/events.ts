/**
 * The outcome log in memory, column by column (typed arrays): compact enough to hold millions of
 * events for a rebuild, and the one shape the deduplication reads, incremental or not.
 */
export interface EventColumns {
  length: number;
  person: Int32Array;
  partner: Int32Array;
  start: Int32Array;
  end: Int32Array;
  outcomeDay: Int32Array;
  followUp: Int8Array;
  outcome: Int8Array;
  measures: Int32Array;
  pyramide: Int8Array;
  dept: Int16Array;
  requester: Int8Array;
}

/** One event as plain values (tests, the incremental path). */
export interface CompactEvent {
  person: number;
  partner: number;
  start: number;
  end: number;
  outcomeDay: number;
  followUp: number;
  outcome: number;
  measures: number;
  pyramide: number;
  dept: number;
  requester: number;
}

export function allocateColumns(capacity: number): EventColumns {
  return {
    length: 0,
    person: new Int32Array(capacity),
    partner: new Int32Array(capacity),
    start: new Int32Array(capacity),
    end: new Int32Array(capacity),
    outcomeDay: new Int32Array(capacity),
    followUp: new Int8Array(capacity),
    outcome: new Int8Array(capacity),
    measures: new Int32Array(capacity),
    pyramide: new Int8Array(capacity),
    dept: new Int16Array(capacity),
    requester: new Int8Array(capacity),
  };
}

export function pushEvent(c: EventColumns, e: CompactEvent): void {
  const i = c.length++;
  c.person[i] = e.person;
  c.partner[i] = e.partner;
  c.start[i] = e.start;
  c.end[i] = e.end;
  c.outcomeDay[i] = e.outcomeDay;
  c.followUp[i] = e.followUp;
  c.outcome[i] = e.outcome;
  c.measures[i] = e.measures;
  c.pyramide[i] = e.pyramide;
  c.dept[i] = e.dept;
  c.requester[i] = e.requester;
}

export function columnsOf(events: readonly CompactEvent[]): EventColumns {
  const c = allocateColumns(events.length);
  for (const e of events) pushEvent(c, e);
  return c;
}

/**
 * Indices of the events grouped by person (a counting sort on the dense person numbers):
 * order[offsets[k]..offsets[k+1]) are the events of the k-th person present. O(n), no sort.
 */
export function groupByPerson(c: EventColumns): { order: Int32Array; offsets: Int32Array } {
  let max = 0;
  for (let i = 0; i < c.length; i++) if (c.person[i] > max) max = c.person[i];
  const counts = new Int32Array(max + 2);
  for (let i = 0; i < c.length; i++) counts[c.person[i] + 1]++;
  for (let p = 1; p < counts.length; p++) counts[p] += counts[p - 1];
  const order = new Int32Array(c.length);
  const cursor = counts.slice();
  for (let i = 0; i < c.length; i++) order[cursor[c.person[i]]++] = i;
  const offsets: number[] = [];
  for (let p = 0; p <= max; p++) if (counts[p + 1] > counts[p]) offsets.push(counts[p]);
  offsets.push(c.length);
  return { order, offsets: Int32Array.from(offsets) };
}

/**
 * Reorders the columns so each person's events are contiguous (the counting sort of
 * groupByPerson, then one gather per column through a scratch array); returns where each
 * person's run starts, plus the end. A rebuild then reads memory in order instead of jumping
 * across hundreds of megabytes for every event.
 */
export function sortByPerson(c: EventColumns): Int32Array {
  const { order, offsets } = groupByPerson(c);
  const n = c.length;
  // One monomorphic loop per element type.
  const gather32 = (col: Int32Array, scratch: Int32Array): Int32Array => {
    for (let j = 0; j < n; j++) scratch[j] = col[order[j]];
    return scratch;
  };
  const gather8 = (col: Int8Array, scratch: Int8Array): Int8Array => {
    for (let j = 0; j < n; j++) scratch[j] = col[order[j]];
    return scratch;
  };
  let s32: Int32Array = new Int32Array(n);
  for (const key of ['person', 'partner', 'start', 'end', 'outcomeDay', 'measures'] as const) {
    const old = c[key];
    c[key] = gather32(old, s32);
    s32 = old;
  }
  let s8: Int8Array = new Int8Array(n);
  for (const key of ['followUp', 'outcome', 'pyramide', 'requester'] as const) {
    const old = c[key];
    c[key] = gather8(old, s8);
    s8 = old;
  }
  const dept = new Int16Array(n);
  for (let j = 0; j < n; j++) dept[j] = c.dept[order[j]];
  c.dept = dept;
  return offsets;
}
