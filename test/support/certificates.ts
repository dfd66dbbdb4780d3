/**
 * Certificates for a TLS test, made with the JDK's keytool (the broker's JVM reads PKCS12, Node
 * reads PEM): a throw-away CA, and a server key pair for 127.0.0.1/localhost signed by it, in a
 * temporary directory.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
