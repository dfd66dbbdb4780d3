import { FhirClients } from './client';
import { FhirSystems } from './systems';
import { Bundle, Consent, Endpoint, Organization, Resource } from './types';

/** A partner as described by an Organization of a FHIR directory. */
export interface DirectoryOrganization {
  partnerId: string;
  category: string;
  name: string;
  departements: string[];
  fhirEndpoint: string | null;
  organizationReference: string;
  siret: string | null;
  finess: string | null;
}

/**
 * Look-ups in a FHIR directory (the national "Annuaire Santé" is a FHIR API of Organization
 * resources): organisations covering a département, with their Endpoint. Two shapes are read:
 * - the hub's own (its partner id and category as identifier and type);
 * - FR Core, as the Annuaire Santé publishes them: selected by their `type` (the search's
 *   `type`, e.g. a TRE-R66 establishment category), the category being the import's, the
 *   partner id made from the category and the SIRET, else the FINESS, else the idNatSt.
 */
export class FhirOrganizationDirectory {
  constructor(private readonly clients: FhirClients) {}

  async search(baseUrl: string, query: { category?: string; departement?: string; type?: string } = {}): Promise<DirectoryOrganization[]> {
    const client = await this.clients.get(baseUrl);
    const searchParams: Record<string, string> = { _include: 'Organization:endpoint', _count: '100', active: 'true' };
    if (query.type) searchParams.type = query.type;
    else if (query.category) searchParams.type = `${FhirSystems.partnerCategory}|${query.category}`;
    if (query.departement) searchParams['address-postalcode'] = query.departement;
    const resources = await collect(client, (await client.search({ resourceType: 'Organization', searchParams })) as unknown as Bundle);
    const endpoints = new Map(resources.filter((r): r is Endpoint => r.resourceType === 'Endpoint').map((e) => [`Endpoint/${e.id}`, e]));
    return resources
      .filter((r): r is Organization => r.resourceType === 'Organization')
      .map((o) => toPartner(o, endpoints, query.type ? query.category : undefined))
      .filter((p): p is DirectoryOrganization => p !== null);
  }

  /** Consent resources updated since a date (all when absent), every page. */
  async consents(baseUrl: string, since?: string): Promise<Consent[]> {
    const client = await this.clients.get(baseUrl);
    const searchParams: Record<string, string> = { _count: '100', _sort: '_lastUpdated' };
    if (since) searchParams._lastUpdated = `ge${since}`;
    const resources = await collect(client, (await client.search({ resourceType: 'Consent', searchParams })) as unknown as Bundle);
    return resources.filter((r): r is Consent => r.resourceType === 'Consent');
  }
}

async function collect(client: Awaited<ReturnType<FhirClients['get']>>, first: Bundle): Promise<Resource[]> {
  const out: Resource[] = [];
  let page: Bundle | null = first;
  for (let i = 0; page && i < 100; i++) {
    for (const e of page.entry ?? []) if (e.resource) out.push(e.resource);
    page = page.link?.some((l) => l.relation === 'next') ? ((await client.nextPage({ bundle: page as never })) as unknown as Bundle) : null;
  }
  return out;
}

function toPartner(o: Organization, endpoints: Map<string, Endpoint>, importCategory?: string): DirectoryOrganization | null {
  const id = (system: string) => o.identifier?.find((i) => i.system === system)?.value ?? null;
  // FR Core tells a SIREN from a SIRET by the identifier's type, both under https://sirene.fr.
  const siret = o.identifier?.find((i) => i.system === FhirSystems.sirene && /^[0-9]{14}$/.test(i.value ?? ''))?.value ?? null;
  const finess = id(FhirSystems.finess);
  const category = o.type?.flatMap((t) => t.coding ?? []).find((c) => c.system === FhirSystems.partnerCategory)?.code ?? importCategory;
  const national = siret ?? finess ?? id(FhirSystems.idNatSt);
  const partnerId = id(FhirSystems.partnerId) ?? (category && national ? `${category}-${national}`.toLowerCase() : null);
  if (!partnerId || !category || !/^[a-z0-9][a-z0-9-]{1,62}$/.test(partnerId)) return null;
  const departements = [...new Set((o.address ?? []).map((a) => departementOf(a.postalCode)).filter((d): d is string => d !== null))];
  const endpoint = (o.endpoint ?? []).map((r) => endpoints.get(r.reference ?? '')).find((e) => e && e.status === 'active');
  return { partnerId, category, name: o.name ?? partnerId, departements, fhirEndpoint: endpoint?.address ?? null, organizationReference: `Organization/${o.id}`, siret, finess };
}

/** Postal code → département (Corsica 20xxx: 200-201 is 2A, 202-206 is 2B; overseas 97x). */
export function departementOf(postalCode?: string): string | null {
  if (!postalCode || !/^[0-9]{5}$/.test(postalCode)) return null;
  if (postalCode.startsWith('97')) return postalCode.slice(0, 3);
  if (postalCode.startsWith('20')) return Number(postalCode.slice(0, 3)) <= 201 ? '2A' : '2B';
  return postalCode.slice(0, 2);
}
