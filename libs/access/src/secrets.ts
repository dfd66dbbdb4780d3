import { randomBytes, scrypt, timingSafeEqual } from 'crypto';

/** scrypt's cost (N = 2^14, r = 8: ~16 MiB and tens of ms a check, OWASP's minimum for scrypt). */
const N = 16384;
const KEY_LENGTH = 32;

function derive(secret: string, salt: Buffer, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(secret, salt, KEY_LENGTH, { N: n, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }, (e, key) => (e ? reject(e) : resolve(key))));
}

/** A client secret: 32 random bytes, base64url; shown once, stored only hashed. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** A client id: not secret, unique, and naming nothing about its holder. */
export function newClientId(): string {
  return 'pdp_' + randomBytes(12).toString('hex');
}

/** `scrypt$N$salt$hash`, salt and hash in base64: the cost travels with the hash, so it can be raised later. */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  return `scrypt$${N}$${salt.toString('base64')}$${(await derive(secret, salt, N)).toString('base64')}`;
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, n, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await derive(secret, Buffer.from(salt, 'base64'), Number(n));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
