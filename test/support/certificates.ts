/**
 * Certificates for a TLS test. For the broker: made with the JDK's keytool (the broker's JVM reads PKCS12, Node
 * reads PEM): a throw-away CA, and a server key pair for 127.0.0.1/localhost signed by it, in a
 * temporary directory.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificates {
  /** The CA's certificate, PEM: what a client trusts. */
  caPemFile: string;
  caPem: string;
  /** The server's PKCS12 keystore (its key, its certificate and the CA's) and its password. */
  serverKeystore: string;
  password: string;
  remove: () => void;
}

const KEYTOOL = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'keytool') : 'keytool';
const SERVER_NAMES = 'SAN=dns:localhost,ip:127.0.0.1';

export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'pdp-hub-certs-'));
  const password = 'changeit-' + Math.random().toString(36).slice(2);
  const ca = join(dir, 'ca.p12');
  const server = join(dir, 'server.p12');
  const caPemFile = join(dir, 'ca.pem');
  const csr = join(dir, 'server.csr');
  const crt = join(dir, 'server.crt');
  const keytool = (...args: string[]) => execFileSync(KEYTOOL, args, { stdio: 'pipe', timeout: 60_000 });
  const store = (file: string) => ['-keystore', file, '-storetype', 'PKCS12', '-storepass', password];
  keytool('-genkeypair', '-alias', 'ca', '-keyalg', 'RSA', '-keysize', '2048', '-dname', 'CN=pdp-hub test CA', '-ext', 'bc:c', '-validity', '2', ...store(ca));
  keytool('-exportcert', '-rfc', '-alias', 'ca', '-file', caPemFile, ...store(ca));
  keytool('-genkeypair', '-alias', 'server', '-keyalg', 'RSA', '-keysize', '2048', '-dname', 'CN=localhost', '-ext', SERVER_NAMES, '-validity', '2', ...store(server));
  keytool('-certreq', '-alias', 'server', '-file', csr, ...store(server));
  keytool('-gencert', '-alias', 'ca', '-infile', csr, '-outfile', crt, '-rfc', '-ext', SERVER_NAMES, '-validity', '2', ...store(ca));
  // The chain goes in whole: the CA first, so that the signed certificate replaces the self-signed one.
  keytool('-importcert', '-noprompt', '-alias', 'ca', '-file', caPemFile, ...store(server));
  keytool('-importcert', '-alias', 'server', '-file', crt, ...store(server));
  return { caPemFile, caPem: readFileSync(caPemFile, 'utf8'), serverKeystore: server, password, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** PEM files for a mutual-TLS test, made with the openssl command: a CA, a server certificate, and client certificates. */
export interface PemCertificates {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  /** A client certificate (and its key) issued by the CA, under this common name. */
  client: (commonName: string) => { cert: string; key: string };
  /** A client certificate that no CA of the hub issued (self-signed). */
  stranger: () => { cert: string; key: string };
  remove: () => void;
}

export function makePemCertificates(): PemCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'pdp-hub-mtls-'));
  const f = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe', timeout: 60_000 });
  const keyPair = (name: string) =>
    openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', f(`${name}.key`), '-out', f(`${name}.self.pem`));
  const signed = (name: string, extensions: string) => {
    openssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${name}`, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`));
    writeFileSync(f(`${name}.ext`), extensions);
    openssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.self.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', f(`${name}.ext`), '-out', f(`${name}.pem`));
    return { cert: readFileSync(f(`${name}.pem`), 'utf8'), key: readFileSync(f(`${name}.key`), 'utf8') };
  };
  keyPair('ca');
  const server = signed('server', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  return {
    dir,
    caCert: readFileSync(f('ca.self.pem'), 'utf8'),
    serverCert: server.cert,
    serverKey: server.key,
    client: (commonName) => signed(commonName, 'extendedKeyUsage=clientAuth\n'),
    stranger: () => {
      keyPair('stranger');
      return { cert: readFileSync(f('stranger.self.pem'), 'utf8'), key: readFileSync(f('stranger.key'), 'utf8') };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
