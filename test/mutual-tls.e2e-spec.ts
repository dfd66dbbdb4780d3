import { request as httpsRequest } from 'node:https';
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AddressInfo } from 'node:net';
import { makePemCertificates, PemCertificates } from './support/certificates';
import { HubUnderTest, startEmbeddedHub } from './support/harness';

/**
 * A partner authenticated by its client certificate (mutual TLS, docs/security.md): the hub
 * serves HTTPS, asks for a certificate issued by the CA it trusts, and knows the partner by its
 * certificate's SHA-256 fingerprint.
 */
describe('mutual TLS', () => {
  let certs: PemCertificates;
  let hub: HubUnderTest;
  let port: number;

  const call = (method: string, path: string, client?: { cert: string; key: string }, headers: Record<string, string> = {}, body?: string) =>
    new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
      const req = httpsRequest(
        { host: '127.0.0.1', port, method, path, ca: certs.caCert, ...(client ?? {}), headers: { ...(body ? { 'Content-Type': 'application/json' } : {}), ...headers } },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : {} }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  beforeAll(async () => {
    certs = makePemCertificates();
    const file = (name: string, pem: string) => {
      writeFileSync(join(certs.dir, name), pem);
      return join(certs.dir, name);
    };
    hub = await startEmbeddedHub({}, { HTTPS_CERT_FILE: file('srv.pem', certs.serverCert), HTTPS_KEY_FILE: file('srv.key', certs.serverKey), HTTPS_CLIENT_CA_FILE: file('ca.pem', certs.caCert) });
    await hub.http.listen(0, '127.0.0.1');
    port = (hub.http.getHttpServer().address() as AddressInfo).port;
  });

  afterAll(async () => {
    await hub?.close();
    certs?.remove();
  });

  it('authenticates a partner by its registered certificate, and nobody by an unregistered or foreign one', async () => {
    const carsat = certs.client('carsat-ra');
    const fingerprint = new X509Certificate(carsat.cert).fingerprint256;
    const registered = await call(
      'POST',
      '/v1/partners',
      undefined,
      { 'X-Api-Key': hub.adminKey },
      JSON.stringify({ partnerId: 'carsat-ra', category: 'service-social-carsat', name: 'Carsat RA', region: '84', certificateSha256: fingerprint }),
    );
    expect(registered.status).toBe(201);
    expect(registered.body.certificateSha256).toBe(fingerprint.replace(/:/g, '').toLowerCase());

    const inbox = await call('GET', '/v1/inbox', carsat);
    expect(inbox.status).toBe(200);
    expect(inbox.body.items).toEqual([]);
    // Authenticated as the partner it is, with a partner's rights only.
    expect((await call('GET', '/v1/partners', carsat)).status).toBe(403);
    // A certificate of the same CA that no partner registered, one of another CA, and none.
    expect((await call('GET', '/v1/inbox', certs.client('someone-else'))).status).toBe(401);
    expect((await call('GET', '/v1/inbox', certs.stranger())).status).toBe(401);
    expect((await call('GET', '/v1/inbox')).status).toBe(401);
  });
});
