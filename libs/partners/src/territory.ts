import { Partner } from './partners';
import { regionOf } from '@pdp/domain';

export { regionOf };

/**
 * The partner of a category serving a département: one listing the département first, then
 * one covering its whole région (no départements listed). Ties go to the smallest id, so the
 * choice is stable.
 */
export function partnerForTerritory(partners: Partner[], category: string, departement?: string): Partner | undefined {
  const ofCategory = partners.filter((p) => p.category === category).sort((a, b) => a.partnerId.localeCompare(b.partnerId));
  if (!departement) return undefined;
  const local = ofCategory.find((p) => p.departements.includes(departement));
  if (local) return local;
  const region = regionOf(departement);
  return ofCategory.find((p) => p.departements.length === 0 && region !== undefined && p.region === region);
}
