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
  /** Index in DEPARTEMENTS (below 128: the aggregates' keys keep it in 7 bits). */
  dept: Int8Array;
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

/** shared: on SharedArrayBuffers (a rebuild's compute worker reads them too). */
export function allocateColumns(capacity: number, shared = false): EventColumns {
  const i32 = () => (shared ? new Int32Array(new SharedArrayBuffer(4 * capacity)) : new Int32Array(capacity));
  const i8 = () => (shared ? new Int8Array(new SharedArrayBuffer(capacity)) : new Int8Array(capacity));
  return {
    length: 0,
    person: i32(),
    partner: i32(),
    start: i32(),
    end: i32(),
    outcomeDay: i32(),
    followUp: i8(),
    outcome: i8(),
    measures: i32(),
    pyramide: i8(),
    dept: i8(),
    requester: i8(),
  };
}

/** Whether the columns are on SharedArrayBuffers. */
export function isShared(c: EventColumns): boolean {
  return c.person.buffer instanceof SharedArrayBuffer;
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
 * Reorders the columns so each person's events are contiguous, in their order in the log; returns
 * where each person's run starts, plus the end. Persons come département by département (that
 * of their last event), then by number: a rebuild then reads memory in order instead of jumping
 * across hundreds of megabytes for every event, and the aggregate cells it adds to, which are
 * per département, stay in the CPU caches for a while. A counting sort: O(n), no comparison.
 */
export function sortByPerson(c: EventColumns): Int32Array {
  const n = c.length;
  const { person, dept } = c;
  let max = 0;
  for (let i = 0; i < n; i++) if (person[i] > max) max = person[i];
  const counts = new Int32Array(max + 1);
  const deptOf = new Int8Array(max + 1);
  let depts = 1;
  for (let i = 0; i < n; i++) {
    const p = person[i];
    counts[p]++;
    deptOf[p] = dept[i];
    if (dept[i] >= depts) depts = dept[i] + 1;
  }
  // Persons present, by département then number (counting sort on the département).
  const perDept = new Int32Array(depts + 1);
  let persons = 0;
  for (let p = 0; p <= max; p++)
    if (counts[p] > 0) {
      perDept[deptOf[p] + 1]++;
      persons++;
    }
  for (let d = 1; d <= depts; d++) perDept[d] += perDept[d - 1];
  const ordered = new Int32Array(persons);
  for (let p = 0; p <= max; p++) if (counts[p] > 0) ordered[perDept[deptOf[p]]++] = p;
  // Each person's first position (counts becomes the cursor), and the runs.
  const offsets = new Int32Array(persons + 1);
  let at = 0;
  for (let k = 0; k < persons; k++) {
    const p = ordered[k];
    offsets[k] = at;
    at += counts[p];
    counts[p] = offsets[k];
  }
  offsets[persons] = at;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[counts[person[i]]++] = i;
  // One monomorphic loop per element type, each column gathered into the buffer the previous
  // one left (the first: person's, rewritten from the runs at the end): fresh memory costs
  // page faults, and 10 million events are 300 MB of columns.
  const gather32 = (col: Int32Array, scratch: Int32Array): Int32Array => {
    for (let j = 0; j < n; j++) scratch[j] = col[order[j]];
    return scratch;
  };
  const gather8 = (col: Int8Array, scratch: Int8Array): Int8Array => {
    for (let j = 0; j < n; j++) scratch[j] = col[order[j]];
    return scratch;
  };
  let s32: Int32Array = person;
  for (const key of ['partner', 'start', 'end', 'outcomeDay', 'measures'] as const) {
    const old = c[key];
    c[key] = gather32(old, s32);
    s32 = old;
  }
  let s8: Int8Array = isShared(c) ? new Int8Array(new SharedArrayBuffer(n)) : new Int8Array(n);
  for (const key of ['followUp', 'outcome', 'pyramide', 'requester', 'dept'] as const) {
    const old = c[key];
    c[key] = gather8(old, s8);
    s8 = old;
  }
  c.person = s32;
  for (let k = 0; k < persons; k++) s32.fill(ordered[k], offsets[k], offsets[k + 1]);
  return offsets;
}
