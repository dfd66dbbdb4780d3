import { Controller, Get, UseGuards } from '@nestjs/common';
import { AuthenticatedGuard, CurrentPrincipal, Principal } from '@pdp/http';

/**
 * Who the caller is, as the hub authenticated it: a partner (its id and category) or a named
 * account (its id and role), and how it proved it. The console picks its views from this; the
 * answer holds no secret.
 */
@Controller('v1/session')
@UseGuards(AuthenticatedGuard)
export class SessionController {
  @Get()
  session(@CurrentPrincipal() p: Principal) {
    return p.kind === 'partner' ? { kind: 'partner', partnerId: p.partnerId, category: p.category, method: p.method } : { kind: 'account', accountId: p.accountId, role: p.role, method: p.method };
  }
}
