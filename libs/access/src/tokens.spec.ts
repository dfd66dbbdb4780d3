import { generateKeyPairSync } from 'crypto';
import { hashSecret, newClientId, newSecret, verifySecret } from './secrets';
import { looksLikeJwt, TokenService } from './tokens';

describe('client secrets', () => {
  it('are stored as a salted scrypt hash that only the secret matches', async () => {
    const secret = newSecret();
    const hash = await hashSecret(secret);
    expect(hash).toMatch(/^scrypt\$16384\$/);
    expect(hash).not.toContain(secret);
    expect(await hashSecret(secret)).not.toBe(hash);
    expect(await verifySecret(secret, hash)).toBe(true);
    expect(await verifySecret(secret + 'x', hash)).toBe(false);
    expect(await verifySecret(secret, 'md5$abc')).toBe(false);
    expect(newClientId()).toMatch(/^pdp_[0-9a-f]{24}$/);
  });
});

describe('TokenService', () => {
  const options = { keyId: 'k1', issuer: 'urn:test', ttlSeconds: 60 };
  it("issues tokens it verifies, and refuses another hub's, an altered one and an expired one", async () => {
    const tokens = new TokenService(options);
    const claims = { clientId: 'pdp_1', kind: 'partner' as const, id: 'spsti-a', role: 'spsti' };
    const token = await tokens.issue(claims);
    expect(looksLikeJwt(token)).toBe(true);
    expect(await tokens.verify(token)).toEqual(claims);
    expect(await new TokenService(options).verify(token)).toBeNull();
    expect(await tokens.verify(token.slice(0, -3) + 'AAA')).toBeNull();
    jest.useFakeTimers({ now: Date.now() + 61_000, doNotFake: ['nextTick', 'setImmediate'] });
    try {
      expect(await tokens.verify(token)).toBeNull();
    } finally {
      jest.useRealTimers();
    }
  });
  it('signs with the configured key, ES256, EdDSA or RS256 by its type, and publishes only its public half', async () => {
    const pem = (type: 'ec' | 'ed25519' | 'rsa') =>
      (type === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519')).privateKey
        .export({ type: 'pkcs8', format: 'pem' })
        .toString();
    expect(new TokenService({ ...options, signingKeyPem: pem('ec') }).algorithm).toBe('ES256');
    expect(new TokenService({ ...options, signingKeyPem: pem('rsa') }).algorithm).toBe('RS256');
    const ed = new TokenService({ ...options, signingKeyPem: pem('ed25519') });
    expect(ed.algorithm).toBe('EdDSA');
    const { keys } = await ed.keySet();
    expect(keys).toEqual([expect.objectContaining({ kty: 'OKP', kid: 'k1', alg: 'EdDSA', use: 'sig' })]);
    expect(keys[0]).not.toHaveProperty('d');
    expect(() => new TokenService({ ...options, signingKeyPem: generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() })).toThrow(
      /P-256/,
    );
  });
});
