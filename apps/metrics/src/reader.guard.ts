import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { HUB_RUNTIME, HubRuntime } from '@pdp/runtime';
import { AdminGuard, PartnerGuard } from '@pdp/http';

/**
 * The metrics are masked aggregates with no person-level data: any authenticated partner, or an
 * operator, may read them (analysts get a partner key of their own, e.g. a DREETS).
 */
@Injectable()
export class MetricsReaderGuard implements CanActivate {
  private readonly admin: AdminGuard;
  private readonly partner: PartnerGuard;

  constructor(@Inject(HUB_RUNTIME) rt: HubRuntime) {
    this.admin = new AdminGuard(rt);
    this.partner = new PartnerGuard(rt);
  }

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    try {
      return this.admin.canActivate(ctx);
    } catch {
      return this.partner.canActivate(ctx);
    }
  }
}
