import { PartnerCategory } from '@pdp/contracts';
import { withLuhnDigit } from '@pdp/domain';
import { regionOf } from '@pdp/metrics';
import { Rng, WeightedTable } from './rng';
import { DEPARTEMENT_POPULATION, spstiCount } from './geography';

export interface GeneratedPartner {
  partnerId: string;
  category: PartnerCategory;
  name: string;
  region: string;
  departements: string[];
  /** Deterministic demo/test key (never a real secret). */
  apiKey: string;
}

export interface GeneratedEmployer {
  siret: string;
  departement: string;
  spstiId: string;
  /** False for the employers the adhesion directory does not know (their leaves are parked). */
  known: boolean;
}

/** The partners of a territory: per département SPSTI, Cap emploi and CPAM; per région the Carsat service social, service médical and France Travail. */
export function buildPartners(departements: string[]): GeneratedPartner[] {
  const partners: GeneratedPartner[] = [];
  const add = (partnerId: string, category: PartnerCategory, name: string, region: string, deps: string[]) =>
    partners.push({ partnerId, category, name, region, departements: deps, apiKey: `gen-key-${partnerId}` });
  for (const d of departements) {
    const region = regionOf(d);
    for (let k = 1; k <= spstiCount(d); k++) add(`spsti-${d.toLowerCase()}-${k}`, 'spsti', `SPSTI ${d} n°${k}`, region, [d]);
    add(`cap-emploi-${d.toLowerCase()}`, 'cap-emploi', `Cap emploi ${d}`, region, [d]);
    add(`cpam-${d.toLowerCase()}`, 'cpam', `CPAM ${d}`, region, [d]);
  }
  for (const region of [...new Set(departements.map(regionOf))].sort()) {
    const deps = departements.filter((d) => regionOf(d) === region);
    add(`carsat-ss-${region}`, 'service-social-carsat', `Carsat service social ${region}`, region, deps);
    add(`service-medical-${region}`, 'service-medical', `Service médical ${region}`, region, deps);
    add(`france-travail-${region}`, 'france-travail', `France Travail ${region}`, region, deps);
  }
  return partners;
}

/** Employers of each département with their SPSTI; a share of them unknown to the directory. */
export function buildEmployers(rng: Rng, departements: string[], persons: number, unknownShare: number): Map<string, GeneratedEmployer[]> {
  const byDep = new Map<string, GeneratedEmployer[]>();
  const total = departements.reduce((s, d) => s + (DEPARTEMENT_POPULATION[d] ?? 100), 0);
  let n = 0;
  for (const d of departements) {
    // About one establishment per 20 people of the population, at least 4 per département.
    const count = Math.max(4, Math.round(((persons / 20) * (DEPARTEMENT_POPULATION[d] ?? 100)) / total));
    const list: GeneratedEmployer[] = [];
    for (let i = 0; i < count; i++, n++) {
      const siren = `2${String(n).padStart(8, '0')}`;
      list.push({
        siret: withLuhnDigit(`${siren}${String(1 + (n % 9)).padStart(4, '0')}`),
        departement: d,
        spstiId: `spsti-${d.toLowerCase()}-${1 + (i % spstiCount(d))}`,
        known: !rng.bool(unknownShare),
      });
    }
    byDep.set(d, list);
  }
  return byDep;
}

export function departementTable(departements: string[]): WeightedTable<string> {
  return new WeightedTable(
    departements,
    departements.map((d) => DEPARTEMENT_POPULATION[d] ?? 100),
  );
}
