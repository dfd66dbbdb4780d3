import * as territory from '@pdp/domain';
import { allDepartements } from '@pdp/domain';

/*
 * Départements and their régions (the map is libs/domain's). The aggregates are kept per
 * département and rolled up to the région and the nation when read.
 */
export const UNKNOWN = 'unknown';

/** Every département code, index 0 reserved for "unknown" (compact encoding of the aggregates). */
export const DEPARTEMENTS: readonly string[] = [UNKNOWN, ...allDepartements().sort(), '975'];
// The compact encodings (EventColumns.dept, the aggregates' keys) keep the index in 7 bits.
if (DEPARTEMENTS.length > 128) throw new Error(`${DEPARTEMENTS.length} départements: the metrics encode at most 128`);
const DEPARTEMENT_INDEX = new Map(DEPARTEMENTS.map((d, i) => [d, i]));

export function departementIndex(code: string | undefined | null): number {
  return (code && DEPARTEMENT_INDEX.get(code)) || 0;
}

export function regionOf(departement: string): string {
  return territory.regionOf(departement) ?? UNKNOWN;
}

export const departementsOf = territory.departementsOf;
export const regions = territory.regions;
