import { CanActivate, createParamDecorator, ExecutionContext, Inject, Injectable, Type } from '@nestjs/common';
import { timingSafeEqual } from 'crypto';
import { Request } from 'express';
import { ProblemException } from './problem';

/** The operators' roles (docs/security.md): what a named account may do. */
export const ROLES = ['admin', 'ops', 'analyst', 'sender'] as const;
export type Role = (typeof ROLES)[number];

/** How the caller proved who it is. */
export type AuthenticationMethod = 'api-key' | 'client-credentials' | 'certificate';

/** A partner organisation: it reads its own items and sends what its category may send. */
export interface AuthenticatedPartner {
  kind: 'partner';
  partnerId: string;
  category: string;
  method: AuthenticationMethod;
}

/** A named operator account (an admin, ops, analyst or sender software). */
export interface AuthenticatedAccount {
  kind: 'account';
  accountId: string;
  role: Role;
  method: AuthenticationMethod;
}

export type Principal = AuthenticatedPartner | AuthenticatedAccount;

/**
 * Finds who a request comes from, by its client certificate, its access token or (where they
 * are enabled) its API key: provided by the access module (libs/access).
 */
export interface CallerAuthenticator {
  authenticate(req: Request): Promise<Principal | null>;
}
export const CALLER_AUTHENTICATOR = Symbol('CallerAuthenticator');

/** Finds the partner a key or a certificate belongs to: provided by the partner registry (PartnersModule). */
export interface PartnerAuthenticator {
  authenticate(apiKey: string): Promise<{ partnerId: string; category: string } | null>;
  byCertificate(sha256: string): Promise<{ partnerId: string; category: string } | null>;
  get(partnerId: string): Promise<{ partnerId: string; category: string } | null>;
}
export const PARTNER_AUTHENTICATOR = Symbol('PartnerAuthenticator');

type AuthenticatedRequest = Request & { principal?: Principal };

export function presentedKey(req: Request): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const key = req.headers['x-api-key'];
  return typeof key === 'string' ? key : undefined;
}

/** Compared as bytes, in constant time: a key with non-ASCII characters has more bytes than characters. */
export function isAdminKey(key: string, adminApiKey: string): boolean {
  if (!adminApiKey) return false;
  const expected = Buffer.from(adminApiKey);
  const presented = Buffer.from(key);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/** The request's caller, authenticated once (before its body is read, or by the first guard); 401 when none. */
export async function principalOf(req: Request, authenticator: CallerAuthenticator): Promise<Principal> {
  const r = req as AuthenticatedRequest;
  r.principal ??= (await authenticator.authenticate(req)) ?? undefined;
  if (!r.principal)
    throw new ProblemException(
      401,
      'Unauthorized',
      'Authenticate with an access token ("Authorization: Bearer <token>" from POST /oauth/token), a registered client certificate, or an API key where they are enabled.',
    );
  return r.principal;
}

/** A guard admitting the principals `admit` accepts, 403 for the others; `refusal` says why. */
function guardOf(admit: (p: Principal) => boolean, refusal: (p: Principal) => string): Type<CanActivate> {
  @Injectable()
  class AccessGuard implements CanActivate {
    constructor(@Inject(CALLER_AUTHENTICATOR) private readonly authenticator: CallerAuthenticator) {}

    async canActivate(ctx: ExecutionContext): Promise<boolean> {
      const principal = await principalOf(ctx.switchToHttp().getRequest<Request>(), this.authenticator);
      if (!admit(principal)) throw new ProblemException(403, 'Forbidden', refusal(principal));
      return true;
    }
  }
  return AccessGuard;
}

const who = (p: Principal) => (p.kind === 'partner' ? `partner ${p.partnerId} (${p.category})` : `account ${p.accountId} (${p.role})`);

/** Routes about a partner's own items (inbox, cases, signalements, consents): partners only. */
export const PartnerGuard = guardOf(
  (p) => p.kind === 'partner',
  (p) => `This route serves partners their own items; ${who(p)} is not a partner.`,
);

/** Accounts with one of these roles. */
export function rolesGuard(...roles: Role[]): Type<CanActivate> {
  return guardOf(
    (p) => p.kind === 'account' && roles.includes(p.role),
    (p) => `This route needs the role ${roles.join(' or ')}; ${who(p)} has not.`,
  );
}

/** Any authenticated caller (who am I). */
export const AuthenticatedGuard = guardOf(
  () => true,
  () => '',
);

/** Partners, the directory, rules, the audit trail, erasure. */
export const AdminGuard = rolesGuard('admin');
/** The flows: traces, dead letters (masked), parked and withheld items, replays, rebuilds. */
export const OpsGuard = rolesGuard('ops', 'admin');

/**
 * Masked aggregates with no person-level data: analysts, operators, and the partners (each
 * reads the figures it contributes to).
 */
export const AggregatesGuard = guardOf(
  (p) => p.kind === 'partner' || p.role === 'analyst' || p.role === 'ops' || p.role === 'admin',
  (p) => `The metrics are for analysts, operators and partners; ${who(p)} is none of them.`,
);

/** An intake bounded by who may send it: partners of these categories, and accounts of these roles. */
export function sendersGuard(senders: { categories?: string[]; roles?: Role[] }): Type<CanActivate> {
  const categories = senders.categories ?? [];
  const roles = senders.roles ?? [];
  const named = [...categories.map((c) => `${c} partners`), ...roles.map((r) => `${r} accounts`)].join(', ');
  return guardOf(
    (p) => (p.kind === 'partner' ? categories.includes(p.category) : roles.includes(p.role)),
    (p) => `Only ${named} send this; ${who(p)} does not.`,
  );
}

/** The partner the PartnerGuard authenticated. */
export const CurrentPartner = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthenticatedPartner => {
  return ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal as AuthenticatedPartner;
});

/** The caller the guard authenticated, whoever it is. */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  return ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal as Principal;
});

/** Who acted, for the audit entry of an operator's action: the named account. */
export const AdminActor = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  const p = ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  return p?.kind === 'account' ? p.accountId : p ? `partner:${p.partnerId}` : 'unknown';
});
