import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject } from 'crypto';
import { createLocalJWKSet, exportJWK, JSONWebKeySet, jwtVerify, SignJWT } from 'jose';

/** What an access token says of its holder (docs/security.md, "Access tokens"). */
export interface TokenClaims {
  /** The credential's client id (its revocation ends the token too). */
  clientId: string;
  kind: 'partner' | 'account';
  /** The partner's id or the account's. */
  id: string;
  /** The partner's category or the account's role. */
  role: string;
}

const AUDIENCE = 'pdp-hub';

/** The JWS algorithm a key signs with: ES256 (P-256), EdDSA (Ed25519) or RS256 (RSA). */
function algorithmOf(key: KeyObject): string {
  const type = key.asymmetricKeyType;
  if (type === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  if (type === 'ed25519') return 'EdDSA';
  if (type === 'rsa') return 'RS256';
  throw new Error(`Invalid configuration: TOKEN_SIGNING_KEY must be an EC P-256, Ed25519 or RSA private key, not ${type}`);
}

/**
 * The hub's access tokens: JWTs signed with its key, checked against its own key set (the
 * public half, served at /.well-known/jwks.json for partners that want to check them too).
 */
export class TokenService {
  private readonly privateKey: KeyObject;
  readonly algorithm: string;
  private jwks?: Promise<JSONWebKeySet>;

  constructor(private readonly options: { signingKeyPem?: string; keyId: string; issuer: string; ttlSeconds: number }) {
    // Without a configured key (the embedded demo, a test) one is made for this process: its tokens die with it.
    this.privateKey = options.signingKeyPem ? createPrivateKey(options.signingKeyPem) : generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    this.algorithm = algorithmOf(this.privateKey);
  }

  get ttlSeconds(): number {
    return this.options.ttlSeconds;
  }

  keySet(): Promise<JSONWebKeySet> {
    this.jwks ??= exportJWK(createPublicKey(this.privateKey)).then((jwk) => ({ keys: [{ ...jwk, kid: this.options.keyId, alg: this.algorithm, use: 'sig' }] }));
    return this.jwks;
  }

  async issue(claims: TokenClaims): Promise<string> {
    return new SignJWT({ pdp_kind: claims.kind, pdp_id: claims.id, pdp_role: claims.role })
      .setProtectedHeader({ alg: this.algorithm, kid: this.options.keyId, typ: 'at+jwt' })
      .setIssuer(this.options.issuer)
      .setAudience(AUDIENCE)
      .setSubject(claims.clientId)
      .setIssuedAt()
      .setExpirationTime(`${this.options.ttlSeconds}s`)
      .sign(this.privateKey);
  }

  /** The token's claims when it is the hub's, unexpired and well formed; null otherwise. */
  async verify(token: string): Promise<TokenClaims | null> {
    try {
      const { payload } = await jwtVerify(token, createLocalJWKSet(await this.keySet()), { issuer: this.options.issuer, audience: AUDIENCE, algorithms: [this.algorithm], typ: 'at+jwt' });
      const { sub, pdp_kind, pdp_id, pdp_role } = payload as Record<string, unknown>;
      if (typeof sub !== 'string' || (pdp_kind !== 'partner' && pdp_kind !== 'account') || typeof pdp_id !== 'string' || typeof pdp_role !== 'string') return null;
      return { clientId: sub, kind: pdp_kind, id: pdp_id, role: pdp_role };
    } catch {
      return null;
    }
  }
}

/** A JWT has three base64url parts; an API key is one opaque string. */
export function looksLikeJwt(value: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(value);
}
