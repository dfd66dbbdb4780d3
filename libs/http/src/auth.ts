import { CanActivate, createParamDecorator, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { timingSafeEqual } from 'crypto';
import { Request } from 'express';
import { HUB_CONFIG, HubConfig } from '@pdp/config';
import { ProblemException } from './problem';

/** Who a partner key belongs to, as the guards need it (the partner registry has the rest). */
export interface AuthenticatedPartner {
  partnerId: string;
  category: string;
}

/** Finds the partner a key belongs to: provided by the partner registry (PartnersModule). */
export interface PartnerAuthenticator {
  authenticate(apiKey: string): Promise<AuthenticatedPartner | null>;
}

export const PARTNER_AUTHENTICATOR = Symbol('PartnerAuthenticator');

export function presentedKey(req: Request): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const key = req.headers['x-api-key'];
  return typeof key === 'string' ? key : undefined;
}

/** Authenticates a partner by its API key; the partner is then the only inbox it can read. */
@Injectable()
export class PartnerGuard implements CanActivate {
  constructor(@Inject(PARTNER_AUTHENTICATOR) private readonly partners: PartnerAuthenticator) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<Request & { partner?: AuthenticatedPartner }>();
    const key = presentedKey(req);
    if (!key) throw new ProblemException(401, 'Unauthorized', 'Send the partner API key as "Authorization: Bearer <key>" or "X-Api-Key".');
    const partner = await this.partners.authenticate(key);
    if (!partner) throw new ProblemException(401, 'Unauthorized', 'Unknown API key.');
    req.partner = partner;
    return true;
  }
}

/**
 * Who acts when the admin key is presented, as the audit trail records it. The operators share
 * one key today, so it names no one in particular; a named identity (a key per operator, a
 * token) would set it here.
 */
export const ADMIN_ACTOR = 'admin';

/** Hub operators (directory, partners, ops views). */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(@Inject(HUB_CONFIG) private readonly config: HubConfig) {}

  canActivate(ctx: ExecutionContext): boolean {
    const key = presentedKey(ctx.switchToHttp().getRequest<Request>());
    if (!key || !isAdminKey(key, this.config.adminApiKey)) {
      throw new ProblemException(401, 'Unauthorized', 'An admin API key is required.');
    }
    ctx.switchToHttp().getRequest<Request & { adminActor?: string }>().adminActor = ADMIN_ACTOR;
    return true;
  }
}

/** The partner the PartnerGuard authenticated (declare the parameter with the registry's Partner type). */
export const CurrentPartner = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthenticatedPartner => {
  return ctx.switchToHttp().getRequest<Request & { partner: AuthenticatedPartner }>().partner;
});

/** Compared as bytes, in constant time: a key with non-ASCII characters has more bytes than characters. */
export function isAdminKey(key: string, adminApiKey: string): boolean {
  const expected = Buffer.from(adminApiKey);
  const presented = Buffer.from(key);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/**
 * A partner guard that also bounds who may send: the intake of sick leaves is the insurer's
 * (its senders' categories), the other intakes any registered partner's.
 */
export function senderCategories(...categories: string[]) {
  @Injectable()
  class SenderGuard implements CanActivate {
    constructor(@Inject(PARTNER_AUTHENTICATOR) private readonly partners: PartnerAuthenticator) {}

    async canActivate(ctx: ExecutionContext): Promise<boolean> {
      await new PartnerGuard(this.partners).canActivate(ctx);
      const partner = ctx.switchToHttp().getRequest<Request & { partner: AuthenticatedPartner }>().partner;
      if (!categories.includes(partner.category)) throw new ProblemException(403, 'Forbidden', `Only ${categories.join(', ')} partners send this; ${partner.partnerId} is ${partner.category}.`);
      return true;
    }
  }
  return SenderGuard;
}

/** Who the AdminGuard let in, for the audit entry of an operator's action ('admin'). */
export const AdminActor = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  return ctx.switchToHttp().getRequest<Request & { adminActor?: string }>().adminActor ?? ADMIN_ACTOR;
});
