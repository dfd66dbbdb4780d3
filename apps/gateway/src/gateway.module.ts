import { DynamicModule, Module } from '@nestjs/common';
import { HubConfig } from '@pdp/config';
import { PlatformAdapters, PlatformModule } from '@pdp/platform';
import { AccessHttpModule, AccessModule } from '@pdp/access';
import { HttpModule } from '@pdp/http';
import { AuditModule } from '@pdp/audit';
import { RoutingRulesModule } from '@pdp/routing-rules';
import { DeadLettersModule } from '@pdp/dead-letters';
import { PartnersHttpModule, PartnersModule } from '@pdp/partners';
import { IdentityModule } from '@pdp/identity';
import { InboxHttpModule } from '@pdp/inbox';
import { SickLeaveHttpModule } from '@pdp/sick-leave';
import { OpsHttpModule } from '@pdp/ops';
import { ErasureHttpModule } from '@pdp/erasure';
import { SignalementsHttpModule } from '@pdp/signalements';
import { PushHttpModule } from '@pdp/push';

/** The gateway service: the HTTP API of intake, inboxes, partners and directory, signalements, ops. */
@Module({})
export class GatewayModule {
  static forRoot(config: HubConfig, adapters: PlatformAdapters = {}): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        PlatformModule.forRoot(config, adapters),
        HttpModule,
        AuditModule,
        RoutingRulesModule,
        DeadLettersModule,
        PartnersModule,
        AccessModule,
        AccessHttpModule,
        IdentityModule,
        PartnersHttpModule,
        InboxHttpModule,
        SickLeaveHttpModule,
        SignalementsHttpModule,
        OpsHttpModule,
        ErasureHttpModule,
        PushHttpModule,
      ],
    };
  }
}
