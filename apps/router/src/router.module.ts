import { ProbesModule } from '@pdp/http';
import { DynamicModule, Module } from '@nestjs/common';
import { HubConfig } from '@pdp/config';
import { PlatformAdapters, PlatformModule } from '@pdp/platform';
import { AuditModule } from '@pdp/audit';
import { RoutingRulesModule } from '@pdp/routing-rules';
import { DeadLettersModule } from '@pdp/dead-letters';
import { PartnersModule } from '@pdp/partners';
import { IdentityModule } from '@pdp/identity';
import { SickLeaveRouterModule } from '@pdp/sick-leave';
import { PushDeliveryModule } from '@pdp/push';

/** The router service: routes the case events released from parking (pdp.case.normalized.v1), and calls the partners' webhooks. */
@Module({})
export class RouterAppModule {
  static forRoot(config: HubConfig, adapters: PlatformAdapters = {}): DynamicModule {
    return {
      module: RouterAppModule,
      imports: [PlatformModule.forRoot(config, adapters), AuditModule, RoutingRulesModule, DeadLettersModule, PartnersModule, IdentityModule, ProbesModule, SickLeaveRouterModule, PushDeliveryModule],
    };
  }
}
