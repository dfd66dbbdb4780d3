import { GeneratedMessage, Population } from '@pdp/generator';

export type Flow = 'sick-leave' | 'all';

/** Message types each flow carries (sick leave = the insurer's notifications and employers' declarations). */
const TYPES: Record<Flow, Set<GeneratedMessage['type']>> = {
  'sick-leave': new Set(['sick-leave', 'employer-declaration']),
  all: new Set(['sick-leave', 'employer-declaration', 'signalement', 'outcome']),
};

/**
 * The first n messages of a seeded national population (npm run generate's generator):
 * initial leaves and prolongations, employer declarations, and for 'all' referrals (some
 * without consent) and outcomes, with the generator's shares of unknown employers and
 * malformed messages. Streamed: a million messages are never held at once.
 */
export function* populationMix(population: Population, flow: Flow, n: number): Generator<GeneratedMessage> {
  let produced = 0;
  for (const m of population.messages()) {
    if (!TYPES[flow].has(m.type)) continue;
    yield m;
    if (++produced >= n) return;
  }
}

/** A national population large enough for n messages of the flow (≈ 3 sick-leave messages a person). */
export function populationFor(seed: number, n: number): Population {
  return new Population({ seed, persons: Math.ceil(n / 2), malformedShare: 0.005 });
}
