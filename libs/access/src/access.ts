import { Request } from 'express';
import { TLSSocket } from 'tls';
import { HubConfig } from '@pdp/config';
import { Sql } from '@pdp/db';
import { CallerAuthenticator, isAdminKey, PartnerAuthenticator, presentedKey, Principal, Role, ROLES } from '@pdp/http';
import { AccessStore, AccountRow } from './access.store';
import { hashSecret, newClientId, newSecret, verifySecret } from './secrets';
import { looksLikeJwt, TokenService } from './tokens';

/** A credential as issued: the secret is in clear this once, never again. */
export interface IssuedCredential {
  clientId: string;
  clientSecret: string;
}

export interface Account {
  accountId: string;
  role: Role;
  name: string;
}

/** The embedded demo's shared operator key acts as this named admin account. */
export const DEMO_ADMIN_ACCOUNT = 'admin';

const ACCOUNT_ID = /^[a-z][a-z0-9._-]{1,62}$/;

/** An account as the API takes it: a lowercase name (never a generated client id's `pdp_` form), a role, a display name. */
export function accountViolations(a: { accountId?: unknown; role?: unknown; name?: unknown }): { path: string; message: string }[] {
  const errors = [];
  if (typeof a.accountId !== 'string' || !ACCOUNT_ID.test(a.accountId) || a.accountId.startsWith('pdp_'))
    errors.push({ path: '/accountId', message: 'must be a lowercase name (letters, digits, . _ -), 2 to 63 characters, not starting with pdp_' });
  if (!ROLES.includes(a.role as Role)) errors.push({ path: '/role', message: `must be one of ${ROLES.join(', ')}` });
  if (typeof a.name !== 'string' || a.name.length === 0 || a.name.length > 200) errors.push({ path: '/name', message: 'is required, at most 200 characters' });
  return errors;
}

/** The SHA-256 fingerprint of a client certificate as the registry stores it: lowercase hex, no colons. */
export function normalizeFingerprint(value: string): string {
  return value.replace(/:/g, '').toLowerCase();
}

/**
 * Who may call the hub and how they prove it (docs/security.md): OAuth2 client credentials for
 * partners and named accounts, client certificates for partners, API keys only where enabled
 * (the embedded demo, test configurations).
 */
export class AccessService implements CallerAuthenticator {
  private readonly store: AccessStore;

  constructor(
    db: Sql,
    private readonly partners: PartnerAuthenticator,
    readonly tokens: TokenService,
    private readonly config: Pick<HubConfig, 'adminApiKey' | 'access'>,
  ) {
    this.store = new AccessStore(db);
  }

  async authenticate(req: Request): Promise<Principal | null> {
    const socket = req.socket as TLSSocket;
    // A certificate the server's CA verified (the TLS handshake did the cryptography).
    if (socket.encrypted && socket.authorized) {
      const fingerprint = socket.getPeerCertificate()?.fingerprint256;
      const partner = fingerprint ? await this.partners.byCertificate(normalizeFingerprint(fingerprint)) : null;
      if (partner) return { kind: 'partner', partnerId: partner.partnerId, category: partner.category, method: 'certificate' };
    }
    const presented = presentedKey(req);
    if (!presented) return null;
    if (looksLikeJwt(presented)) return this.byToken(presented);
    if (!this.config.access.apiKeysEnabled) return null;
    if (isAdminKey(presented, this.config.adminApiKey)) return { kind: 'account', accountId: DEMO_ADMIN_ACCOUNT, role: 'admin', method: 'api-key' };
    const partner = await this.partners.authenticate(presented);
    return partner ? { kind: 'partner', partnerId: partner.partnerId, category: partner.category, method: 'api-key' } : null;
  }

  /** A token of the hub's whose credential has not been revoked since: rotation ends the old tokens at once. */
  private async byToken(token: string): Promise<Principal | null> {
    const claims = await this.tokens.verify(token);
    if (!claims) return null;
    const credential = await this.store.activeCredential(claims.clientId);
    if (!credential || credential.principal_kind !== claims.kind || credential.principal_id !== claims.id) return null;
    if (claims.kind === 'partner') return { kind: 'partner', partnerId: claims.id, category: claims.role, method: 'client-credentials' };
    return ROLES.includes(claims.role as Role) ? { kind: 'account', accountId: claims.id, role: claims.role as Role, method: 'client-credentials' } : null;
  }

  /**
   * The client-credentials grant: an access token for a valid client id and secret; null for
   * anything else (the caller answers invalid_client without saying which part was wrong).
   * `category` names a partner's category, which the token carries.
   */
  async grant(clientId: string, clientSecret: string, partnerCategory: (partnerId: string) => Promise<string | null>): Promise<{ accessToken: string; expiresIn: number } | null> {
    const credential = await this.store.activeCredential(clientId);
    if (!credential || !(await verifySecret(clientSecret, credential.secret_hash))) return null;
    const role = credential.principal_kind === 'partner' ? await partnerCategory(credential.principal_id) : (await this.store.account(credential.principal_id))?.role;
    if (!role) return null;
    const accessToken = await this.tokens.issue({ clientId, kind: credential.principal_kind, id: credential.principal_id, role });
    return { accessToken, expiresIn: this.tokens.ttlSeconds };
  }

  /** A new credential for the partner or account, revoking the ones it had. */
  async rotate(kind: 'partner' | 'account', principalId: string): Promise<IssuedCredential & { revoked: number }> {
    const clientSecret = newSecret();
    const clientId = newClientId();
    const revoked = await this.store.replaceCredentials({ client_id: clientId, principal_kind: kind, principal_id: principalId, secret_hash: await hashSecret(clientSecret) });
    return { clientId, clientSecret, revoked };
  }

  async hasCredential(kind: 'partner' | 'account', principalId: string): Promise<boolean> {
    return (await this.store.activeCredentials(kind, principalId)).length > 0;
  }

  async saveAccount(a: Account): Promise<'created' | 'updated'> {
    return this.store.upsertAccount({ account_id: a.accountId, role: a.role, name: a.name });
  }

  async account(accountId: string): Promise<Account | null> {
    const row = await this.store.account(accountId);
    return row ? toAccount(row) : null;
  }

  async accounts(): Promise<Account[]> {
    return (await this.store.accounts()).map(toAccount);
  }

  /**
   * An account of the accounts file, with the secret its operator set: its client id is its
   * account id. The stored hash changes only when the secret does.
   */
  async provision(a: Account, secret: string | undefined): Promise<void> {
    await this.saveAccount(a);
    if (!secret) return;
    const current = await this.store.activeCredential(a.accountId);
    if (current?.principal_kind === 'account' && current.principal_id === a.accountId && (await verifySecret(secret, current.secret_hash))) return;
    await this.store.replaceCredentials({ client_id: a.accountId, principal_kind: 'account', principal_id: a.accountId, secret_hash: await hashSecret(secret) });
  }
}

function toAccount(r: AccountRow): Account {
  return { accountId: r.account_id, role: r.role, name: r.name };
}
