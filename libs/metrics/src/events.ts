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
