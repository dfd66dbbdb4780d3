import * as fs from 'fs';
import { ContractRegistry } from '@pdp/contracts';
import { SignalementContractIds, PartnerDirectory } from '@pdp/contracts';
import { PartnerRegistration, PartnerRegistry } from './partners';

/**
 * Loads the partner directory file (partner-directory/1) into the partners table at start-up.
 * Invalid file, or a missing API key variable: the app does not start.
 */
export async function loadPartnersFile(file: string, contracts: ContractRegistry, registry: PartnerRegistry, apiKeys: Record<string, string | undefined>): Promise<number> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`partner directory ${file} cannot be read: ${(e as Error).message}`, { cause: e });
  }
  const r = contracts.contract<PartnerDirectory>(SignalementContractIds.partnerDirectory).validate(parsed);
  if (!r.ok) throw new Error(`partner directory ${file} is invalid: ${r.violations.map((v) => `${v.path} ${v.message}`).join('; ')}`);
  const ids = new Set<string>();
  const registrations: PartnerRegistration[] = r.value.partners.map((p, i) => {
    if (ids.has(p.partnerId)) throw new Error(`partner directory ${file} is invalid: /partners/${i}/partnerId ${p.partnerId} is duplicated`);
    ids.add(p.partnerId);
    const apiKey = p.apiKeyEnv ? apiKeys[p.apiKeyEnv] : undefined;
    if (p.apiKeyEnv && !apiKey) throw new Error(`partner directory ${file}: environment variable ${p.apiKeyEnv} (API key of ${p.partnerId}) is not set`);
    return {
      partnerId: p.partnerId,
      category: p.category,
      name: p.name,
      region: p.region ?? null,
      departements: p.departements ?? [],
      fhirEndpoint: p.fhirEndpoint ?? null,
      ...(apiKey ? { apiKey } : {}),
    };
  });
  for (const p of registrations) await registry.register(p);
  return registrations.length;
}
