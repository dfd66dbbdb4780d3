import { checkPartnerUrl, EndpointRefused, isPublicAddress } from './endpoint-policy';

describe('partner URL policy', () => {
  it("tells the public internet's addresses from the hub's own networks", () => {
    for (const a of ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946']) expect(isPublicAddress(a)).toBe(true);
    for (const a of ['127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fe80::1', 'fd00::1', '::ffff:10.0.0.1', 'not-an-ip'])
      expect(isPublicAddress(a)).toBe(false);
  });
  it('refuses a URL whose name resolves to any private address, and one that does not resolve', async () => {
    const resolve = async (host: string) =>
      (({ 'fhir.example.org': ['93.184.216.34'], 'rebind.example.org': ['93.184.216.34', '10.0.0.7'] }) as Record<string, string[]>)[host] ?? Promise.reject(new Error('ENOTFOUND'));
    await expect(checkPartnerUrl('https://fhir.example.org/r4', { allowPrivate: false, resolve })).resolves.toBeUndefined();
    await expect(checkPartnerUrl('https://rebind.example.org/r4', { allowPrivate: false, resolve })).rejects.toThrow(/10\.0\.0\.7/);
    await expect(checkPartnerUrl('https://nowhere.example.org/', { allowPrivate: false, resolve })).rejects.toThrow(/does not resolve/);
    await expect(checkPartnerUrl('http://[fe80::1]/', { allowPrivate: false, resolve })).rejects.toBeInstanceOf(EndpointRefused);
  });
  it('refuses other schemes and embedded credentials even where private addresses are allowed', async () => {
    await expect(checkPartnerUrl('ftp://93.184.216.34/', { allowPrivate: true })).rejects.toThrow(/http\(s\)/);
    await expect(checkPartnerUrl('https://user:pw@93.184.216.34/', { allowPrivate: true })).rejects.toThrow(/credentials/);
    await expect(checkPartnerUrl('http://127.0.0.1:8080/fhir', { allowPrivate: true })).resolves.toBeUndefined();
  });
});
