import type { Client, ClientConfig } from 'fhir-kit-client';
import { checkPartnerUrl } from './endpoint-policy';

/**
 * fhir-kit-client 2.x is ESM-only and this project is CommonJS: loaded with a real dynamic
 * import (TypeScript would turn `import()` into require(), which its exports map refuses).
 * The function's source is unique to each load of this module: V8 reuses code compiled from
 * an identical source, and with it the import hook of the context that compiled it first; under
 * Jest (one context per test file) a later file then imported into a torn-down environment.
 */
export function loadFhirKit(): Promise<typeof import('fhir-kit-client')> {
  fhirKit ??= importEsm('fhir-kit-client');
  return fhirKit;
}
const importEsm = new Function('specifier', `return import(specifier); // ${Math.random()}`) as (s: string) => Promise<typeof import('fhir-kit-client')>;
let fhirKit: Promise<typeof import('fhir-kit-client')> | undefined;

export type FhirClient = Client;

/**
 * One fhir-kit-client per FHIR base URL (its HTTP agent keeps connections alive). Each use
 * checks the URL still resolves outside the hub's own networks (endpoint-policy.ts).
 */
export class FhirClients {
  private readonly clients = new Map<string, Promise<Client>>();

  constructor(
    private readonly config: Omit<ClientConfig, 'baseUrl'> = {},
    private readonly policy: { allowPrivate: boolean } = { allowPrivate: false },
  ) {}

  async get(baseUrl: string): Promise<Client> {
    const url = baseUrl.replace(/\/+$/, '');
    await checkPartnerUrl(url, this.policy);
    let c = this.clients.get(url);
    if (!c) {
      c = loadFhirKit().then((m) => new m.Client({ ...this.config, baseUrl: url }));
      this.clients.set(url, c);
    }
    return c;
  }
}
