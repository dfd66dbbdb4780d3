import { calculateJwkThumbprint, CompactEncrypt, importJWK, JWK } from 'jose';

/** A partner's public encryption key as registered: a JWK with its `kid` (its thumbprint when it came without). */
export type PartnerEncryptionKey = JWK & { kid: string };

const CURVES = ['P-256', 'P-384', 'P-521'];
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

/** The JWE key management algorithm for a key: ECDH-ES with key wrapping for EC, RSA-OAEP-256 for RSA. */
function algorithmOf(jwk: JWK): 'ECDH-ES+A256KW' | 'RSA-OAEP-256' {
  return jwk.kty === 'EC' ? 'ECDH-ES+A256KW' : 'RSA-OAEP-256';
}

/**
 * Checks a key a partner registers to receive identities on its topic: public only (a private
 * member is refused: the hub must never hold it), EC on P-256/384/521 or RSA of 2048 bits and
 * more, for encryption; returns it with its `kid`, or the reason it is refused.
 */
export async function checkEncryptionKey(value: unknown): Promise<{ key: PartnerEncryptionKey } | { error: string }> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { error: 'must be a public JWK (EC P-256/384/521 or RSA ≥ 2048 bits)' };
  const jwk = value as JWK;
  if (PRIVATE_MEMBERS.some((m) => m in jwk)) return { error: 'holds a private or secret member: register the public key only' };
  if (jwk.kty === 'EC') {
    if (!CURVES.includes(String(jwk.crv))) return { error: 'an EC key must be on P-256, P-384 or P-521' };
  } else if (jwk.kty === 'RSA') {
    if (typeof jwk.n !== 'string' || Buffer.from(jwk.n, 'base64url').length * 8 < 2048) return { error: 'an RSA key must have at least 2048 bits' };
  } else return { error: 'must be an EC or RSA public key (kty EC or RSA)' };
  if (jwk.use !== undefined && jwk.use !== 'enc') return { error: 'use must be enc' };
  if (jwk.kid !== undefined && (typeof jwk.kid !== 'string' || !/^[\x21-\x7e]{1,100}$/.test(jwk.kid))) return { error: 'kid must be 1 to 100 printable ASCII characters' };
  try {
    await importJWK(jwk, algorithmOf(jwk));
  } catch (e) {
    return { error: `is not a usable key: ${(e as Error).message}` };
  }
  const kid = typeof jwk.kid === 'string' ? jwk.kid : await calculateJwkThumbprint(jwk);
  const { kty, crv, x, y, n, e } = jwk;
  return { key: JSON.parse(JSON.stringify({ kty, crv, x, y, n, e, use: 'enc', kid })) as PartnerEncryptionKey };
}

/** Encrypts for one key: a compact JWE (A256GCM content encryption), the key named by its kid. */
export async function encryptFor(key: PartnerEncryptionKey, plaintext: string): Promise<string> {
  const alg = algorithmOf(key);
  return new CompactEncrypt(new TextEncoder().encode(plaintext)).setProtectedHeader({ alg, enc: 'A256GCM', kid: key.kid, cty: 'application/json' }).encrypt(await importJWK(key, alg));
}
