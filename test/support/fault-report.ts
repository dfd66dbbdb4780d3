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
