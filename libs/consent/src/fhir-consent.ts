import { parseIsoDateTime } from '@pdp/contracts';
import { isValidNir, parseIsoDate } from '@pdp/domain';
import { Consent, FhirSystems, InsOids } from '@pdp/fhir';
import { ConsentPurpose, ConsentStatus } from './decision';
import { NewConsentRecord } from './registry';

const PURPOSES: ConsentPurpose[] = ['sick-leave-transmission', 'orientation', 'irdp-sharing'];

export interface FhirConsentImport {
  records: NewConsentRecord[];
  /** Consents that say nothing the registry can act on, with why (returned to the caller). */
  skipped: { consent: string; reason: string }[];
}

/**
 * FHIR R4 Consent → registry records, one per purpose × recipient category of the provision.
 * - status active + provision permit → granted; active + deny, or rejected → refused;
 *   inactive (terminated) → withdrawn; draft, proposed and entered-in-error are not decisions.
 * - patient: Reference.identifier with an INS/NIR OID (pseudonymised here, never kept) or the
 *   hub's person-pseudonym system.
 * - provision.purpose: codes of the hub's consent-purpose system; provision.actor with role
 *   IRCP (information recipient) and an identifier of the partner-category system.
 */
export function consentRecordsFromFhir(resources: Consent[], pseudonymize: (nir: string) => string, source = 'fhir-consent'): FhirConsentImport {
  const out: FhirConsentImport = { records: [], skipped: [] };
  for (const c of resources) {
    const ref = c.id ? `Consent/${c.id}${c.meta?.versionId ? `/_history/${c.meta.versionId}` : ''}` : 'Consent (no id)';
    const skip = (reason: string) => out.skipped.push({ consent: ref, reason });
    try {
      const status = statusOf(c);
      if (!status) {
        skip(`status ${c.status} is not a decision`);
        continue;
      }
      const person = personOf(c, pseudonymize);
      if ('error' in person) {
        skip(person.error);
        continue;
      }
      const purposes = (c.provision?.purpose ?? []).filter((p) => p.system === FhirSystems.consentPurpose && PURPOSES.includes(p.code as ConsentPurpose)).map((p) => p.code as ConsentPurpose);
      const categories = (c.provision?.actor ?? [])
        .filter((a) => a.role.coding?.some((r) => r.code === 'IRCP'))
        .map((a) => a.reference.identifier)
        .filter((i) => i?.system === FhirSystems.partnerCategory && i.value)
        .map((i) => i!.value!);
      if (purposes.length === 0) {
        skip(`no provision.purpose of ${FhirSystems.consentPurpose}`);
        continue;
      }
      if (categories.length === 0) {
        skip('no provision.actor (IRCP) with a partner category');
        continue;
      }
      const effectiveAt = fhirInstant(c.dateTime ?? c.provision?.period?.start);
      if (effectiveAt === undefined) {
        skip('no dateTime');
        continue;
      }
      for (const purpose of purposes) {
        for (const recipientCategory of categories) {
          out.records.push({
            personPseudonym: person.pseudonym,
            purpose,
            recipientCategory,
            status,
            // A withdrawal takes effect when recorded as inactive, not at the original signature.
            effectiveAt: status === 'withdrawn' ? (fhirInstant(c.meta?.lastUpdated) ?? effectiveAt) : effectiveAt,
            source,
            collectedBy: c.performer?.[0]?.display ?? null,
            evidenceRef: c.sourceReference?.reference ?? c.sourceAttachment?.url ?? ref,
            fhirConsentId: ref,
          });
        }
      }
    } catch {
      // A resource from a sender's JSON, not checked against the FHIR schema: one whose parts
      // do not have their FHIR shape (a string for an array…) is skipped, not a 500.
      skip('is not a well-formed FHIR R4 Consent');
    }
  }
  return out;
}

function statusOf(c: Consent): ConsentStatus | null {
  if (c.status === 'active') return c.provision?.type === 'deny' ? 'refused' : 'granted';
  if (c.status === 'rejected') return 'refused';
  if (c.status === 'inactive') return 'withdrawn';
  return null;
}

function personOf(c: Consent, pseudonymize: (nir: string) => string): { pseudonym: string } | { error: string } {
  const id = c.patient?.identifier;
  if (!id?.value) return { error: 'patient has no identifier' };
  if (id.system === FhirSystems.personPseudonym) return /^[A-Za-z0-9_-]{43}$/.test(id.value) ? { pseudonym: id.value } : { error: 'malformed person pseudonym' };
  if (id.system && InsOids.includes(id.system)) return isValidNir(id.value) ? { pseudonym: pseudonymize(id.value) } : { error: 'patient INS/NIR fails its key check' };
  return { error: `patient identifier system ${id.system} is not an INS/NIR OID nor the hub's pseudonym` };
}

/**
 * A FHIR dateTime (a year, a year and month, a date, or a date-time with its offset) as an ISO
 * instant, on the hub's one calendar; undefined for anything else (year 0000, a leap second…),
 * which PostgreSQL would refuse.
 */
function fhirInstant(v: string | undefined): string | undefined {
  if (typeof v !== 'string') return undefined;
  const day = v.length === 4 ? `${v}-01-01` : v.length === 7 ? `${v}-01` : v;
  const ms = day.length === 10 ? parseIsoDate(day) : parseIsoDateTime(day);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}
