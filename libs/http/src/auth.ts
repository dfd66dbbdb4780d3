import { CanActivate, createParamDecorator, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { timingSafeEqual } from 'crypto';
import { Request } from 'express';
// eslint-disable-next-line boundaries/dependencies -- http sits below runtime: the guards must get the partners and the admin key another way.
import { HUB_RUNTIME, HubRuntime } from '@pdp/runtime';
import { Partner } from '@pdp/partners';
import { ProblemException } from './problem';

function presentedKey(req: Request): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const key = req.headers['x-api-key'];
  return typeof key === 'string' ? key : undefined;
}

/** Authenticates a partner by its API key; the partner is then the only inbox it can read. */
@Injectable()
export class PartnerGuard implements CanActivate {
  constructor(@Inject(HUB_RUNTIME) private readonly rt: HubRuntime) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<Request & { partner?: Partner }>();
    const key = presentedKey(req);
    if (!key) throw new ProblemException(401, 'Unauthorized', 'Send the partner API key as "Authorization: Bearer <key>" or "X-Api-Key".');
    const partner = await this.rt.partners.authenticate(key);
    if (!partner) throw new ProblemException(401, 'Unauthorized', 'Unknown API key.');
    req.partner = partner;
    return true;
  }
}

/** Hub operators (directory, partners, ops views). */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(@Inject(HUB_RUNTIME) private readonly rt: HubRuntime) {}

  canActivate(ctx: ExecutionContext): boolean {
    const key = presentedKey(ctx.switchToHttp().getRequest<Request>());
    const expected = Buffer.from(this.rt.config.adminApiKey);
    if (!key || key.length !== expected.length || !timingSafeEqual(Buffer.from(key), expected)) {
      throw new ProblemException(401, 'Unauthorized', 'An admin API key is required.');
    }
    return true;
  }
}

export const CurrentPartner = createParamDecorator((_: unknown, ctx: ExecutionContext): Partner => {
  return ctx.switchToHttp().getRequest<Request & { partner: Partner }>().partner;
});
