/**
 * Départements and their régions (INSEE codes, 2016 map). The aggregates are kept per
 * département and rolled up to the région and the nation when read.
 */
const REGIONS: Record<string, string[]> = {
  '84': ['01', '03', '07', '15', '26', '38', '42', '43', '63', '69', '73', '74'],
  '27': ['21', '25', '39', '58', '70', '71', '89', '90'],
  '53': ['22', '29', '35', '56'],
  '24': ['18', '28', '36', '37', '41', '45'],
  '94': ['2A', '2B'],
  '44': ['08', '10', '51', '52', '54', '55', '57', '67', '68', '88'],
  '32': ['02', '59', '60', '62', '80'],
  '11': ['75', '77', '78', '91', '92', '93', '94', '95'],
  '28': ['14', '27', '50', '61', '76'],
  '75': ['16', '17', '19', '23', '24', '33', '40', '47', '64', '79', '86', '87'],
  '76': ['09', '11', '12', '30', '31', '32', '34', '46', '48', '65', '66', '81', '82'],
  '52': ['44', '49', '53', '72', '85'],
  '93': ['04', '05', '06', '13', '83', '84'],
  '01': ['971'],
  '02': ['972'],
  '03': ['973'],
  '04': ['974'],
  '06': ['976'],
};

export const UNKNOWN = 'unknown';

const REGION_OF = new Map<string, string>();
for (const [region, deps] of Object.entries(REGIONS)) for (const d of deps) REGION_OF.set(d, region);

/** Every département code, index 0 reserved for "unknown" (compact encoding of the aggregates). */
export const DEPARTEMENTS: readonly string[] = [UNKNOWN, ...[...REGION_OF.keys()].sort(), '975'];
const DEPARTEMENT_INDEX = new Map(DEPARTEMENTS.map((d, i) => [d, i]));

export function departementIndex(code: string | undefined | null): number {
  return (code && DEPARTEMENT_INDEX.get(code)) || 0;
}

export function regionOf(departement: string): string {
  return REGION_OF.get(departement) ?? UNKNOWN;
}

export function departementsOf(region: string): string[] {
  return REGIONS[region] ?? [];
}

export function regions(): string[] {
  return Object.keys(REGIONS);
}
