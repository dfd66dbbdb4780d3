import { lookup } from 'dns/promises';
import ipaddr from 'ipaddr.js';

/**
 * A URL a partner gives the hub to call (its FHIR endpoint, a directory to import) must not
 * point into the hub's own networks: loopback, link-local (cloud metadata services), private,
 * carrier-grade NAT, unique-local or reserved addresses. Checked when the URL is registered and
 * again before each connection, since a name can resolve elsewhere later (docs/security.md,
 * "Partner URLs"). Test configurations allow private addresses (PARTNER_URLS_ALLOW_PRIVATE).
 */
export class EndpointRefused extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`${url}: ${reason}`);
  }
}

/** Whether an IP address is one the public internet routes (ipaddr.js's `unicast` range). */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  return parsed.range() === 'unicast';
}

/** Refuses (EndpointRefused) a URL that is not http(s), or whose host is or resolves to a non-public address. */
export async function checkPartnerUrl(url: string, options: { allowPrivate: boolean; resolve?: (host: string) => Promise<string[]> }): Promise<void> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new EndpointRefused(url, 'is not a URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new EndpointRefused(url, 'must be an http(s) URL');
  if (parsed.username || parsed.password) throw new EndpointRefused(url, 'must not carry credentials');
  if (options.allowPrivate) return;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const resolve = options.resolve ?? (async (h: string) => (await lookup(h, { all: true, verbatim: true })).map((a) => a.address));
  let addresses: string[];
  try {
    addresses = ipaddr.isValid(host) ? [host] : await resolve(host);
  } catch {
    throw new EndpointRefused(url, `its host ${host} does not resolve`);
  }
  const inner = addresses.find((a) => !isPublicAddress(a));
  if (inner !== undefined || addresses.length === 0) throw new EndpointRefused(url, `its host ${host} resolves to ${inner ?? 'nothing'}, an address of a private, loopback or link-local network`);
}
