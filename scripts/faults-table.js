#!/usr/bin/env node
// Prints the fault-injection table from the rows the fault tests wrote (test/support/fault-report.ts).
const fs = require('node:fs');
const path = require('node:path');

const dir = path.join(__dirname, '..', 'test-artifacts', 'faults');
const rows = fs.existsSync(dir)
  ? fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')))
  : [];
if (rows.length === 0) {
  console.error('no fault results in test-artifacts/faults: run the fault tests first');
  process.exit(1);
}
const terminal = (t) =>
  Object.entries(t)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
console.log('| fault | sent | accepted | terminal states | lost | duplicated |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.fault} | ${r.sent} | ${r.accepted} | ${terminal(r.terminal)} | ${r.lost} | ${r.duplicated} |`);
process.exit(rows.some((r) => r.lost > 0 || r.duplicated > 0) ? 1 : 0);
