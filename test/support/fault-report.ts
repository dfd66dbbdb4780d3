import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** One line of the fault-injection table (docs/faults.md). */
export interface FaultRow {
  fault: string;
  /** Messages the load sent. */
  sent: number;
  /** Answered 202 (or produced with acks=all): the hub owes each a terminal state. */
  accepted: number;
  /** Of the accepted, those found in a terminal state afterwards, by state. */
  terminal: Record<string, number>;
  /** Accepted and never found (must be 0). */
  lost: number;
  /** Delivered more than once for the same version (must be 0). */
  duplicated: number;
}

const DIR = resolve(__dirname, '..', '..', 'test-artifacts', 'faults');

/** Writes a fault's row where `npm run test:faults` gathers the table, and prints it. */
export function reportFault(name: string, row: FaultRow): void {
  mkdirSync(DIR, { recursive: true });
  writeFileSync(join(DIR, `${name}.json`), JSON.stringify(row, null, 2));
  const terminal = Object.entries(row.terminal)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  process.stdout.write(`fault: ${row.fault} | sent ${row.sent} | accepted ${row.accepted} | terminal ${terminal} | lost ${row.lost} | duplicated ${row.duplicated}\n`);
}

/**
 * The row of a run: each accepted message's terminal state (`states`, by message id; an accepted
 * one without is lost), and the idempotency keys read on the partners' topics (a key seen twice
 * is a duplicate). Reported, and returned for the test's assertions.
 */
export function reportRun(name: string, fault: string, run: { sent: number; accepted: string[]; states: Map<string, string>; keys: string[] }): FaultRow & { unaccounted: string[] } {
  const terminal: Record<string, number> = {};
  for (const s of run.states.values()) terminal[s] = (terminal[s] ?? 0) + 1;
  const unaccounted = run.accepted.filter((m) => !run.states.has(m));
  const row = { fault, sent: run.sent, accepted: run.accepted.length, terminal, lost: unaccounted.length, duplicated: run.keys.length - new Set(run.keys).size };
  reportFault(name, row);
  return { ...row, unaccounted };
}
