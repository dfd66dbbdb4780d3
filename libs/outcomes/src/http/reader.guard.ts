import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { AdminGuard, PartnerGuard } from '@pdp/http';

/**
 * The metrics are masked aggregates with no person-level data: any authenticated partner, or an
 * operator, may read them (analysts get a partner key of their own, e.g. a DREETS).
 */
@Injectable()
export class MetricsReaderGuard implements CanActivate {
  constructor(
    private readonly admin: AdminGuard,
    private readonly partner: PartnerGuard,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    try {
      return this.admin.canActivate(ctx);
    } catch {
      return this.partner.canActivate(ctx);
    }
  }
}
