/** Département → INSEE région (2016 régions; overseas départements are their own région). */
export const REGIONS: Record<string, string[]> = {
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

const REGION_OF = new Map(Object.entries(REGIONS).flatMap(([region, deps]) => deps.map((d) => [d, region] as const)));

export function regionOf(departement: string): string | undefined {
  return REGION_OF.get(departement);
}

export function departementsOf(region: string): string[] {
  return REGIONS[region] ?? [];
}

export function regions(): string[] {
  return Object.keys(REGIONS);
}

/** Every département code of the map. */
export function allDepartements(): string[] {
  return [...REGION_OF.keys()];
}
