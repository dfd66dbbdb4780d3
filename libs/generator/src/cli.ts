import * as fs from 'fs';
import * as path from 'path';
import { Population, PopulationOptions } from './population';
import { MessageType } from './truth';

/**
 * `npm run generate -- --seed 42 --persons 10000 --out /tmp/pop [--departements 69,38]
 * [--malformed-share 0.01] [--unknown-employer-share 0.03] [--consent-missing-share 0.1]`
 * writes one NDJSON file per message type (one message per line, malformed ones included),
 * partners.json, adhesions.csv (the directory import format) and truth.json.
 */
const FILES: Record<MessageType, string> = {
  'sick-leave': 'sick-leaves.ndjson',
  'employer-declaration': 'employer-declarations.ndjson',
  signalement: 'signalements.ndjson',
  outcome: 'outcomes.ndjson',
};

function parseArgs(argv: string[]): { options: PopulationOptions; out: string } {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) if (argv[i].startsWith('--')) args.set(argv[i].slice(2), argv[i + 1]);
  const num = (k: string) => (args.has(k) ? Number(args.get(k)) : undefined);
  const options: PopulationOptions = {
    seed: num('seed') ?? 42,
    persons: num('persons') ?? 10_000,
    ...(args.has('departements') ? { departements: args.get('departements')!.split(',') } : {}),
    ...(num('malformed-share') !== undefined ? { malformedShare: num('malformed-share') } : {}),
    ...(num('unknown-employer-share') !== undefined ? { unknownEmployerShare: num('unknown-employer-share') } : {}),
    ...(num('consent-missing-share') !== undefined ? { consentMissingShare: num('consent-missing-share') } : {}),
    ...(args.has('until') ? { until: args.get('until') } : {}),
  };
  return { options, out: args.get('out') ?? 'population' };
}

function main(): void {
  const { options, out } = parseArgs(process.argv.slice(2));
  const started = Date.now();
  fs.mkdirSync(out, { recursive: true });
  const p = new Population(options);
  // Buffered synchronous writes: the generator is synchronous and this keeps memory flat.
  const files = Object.fromEntries(Object.entries(FILES).map(([t, f]) => [t, { fd: fs.openSync(path.join(out, f), 'w'), buf: [] as string[], size: 0 }]));
  const flush = (f: { fd: number; buf: string[]; size: number }) => {
    fs.writeSync(f.fd, f.buf.join(''));
    f.buf = [];
    f.size = 0;
  };
  let n = 0;
  for (const m of p.messages()) {
    const f = files[m.type];
    f.buf.push(m.value, '\n');
    f.size += m.value.length;
    if (f.size > 4_000_000) flush(f);
    n++;
  }
  for (const f of Object.values(files)) {
    flush(f);
    fs.closeSync(f.fd);
  }
  fs.writeFileSync(path.join(out, 'partners.json'), JSON.stringify(p.partners, null, 2));
  fs.writeFileSync(path.join(out, 'adhesions.csv'), ['siret;spsti_id;valid_from;valid_to', ...p.adhesions().map((a) => `${a.siret};${a.spstiId};${a.validFrom};`)].join('\n') + '\n');
  fs.writeFileSync(path.join(out, 'truth.json'), JSON.stringify(p.truth, null, 2));
  process.stdout.write(`${n} messages for ${options.persons} persons (seed ${options.seed}) in ${Date.now() - started} ms → ${out}\n`);
}

main();
