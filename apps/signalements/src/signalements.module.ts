import { ProbesModule } from '@pdp/http';
import { DynamicModule, Module } from '@nestjs/common';
import { HubConfig } from '@pdp/config';
import { PlatformAdapters, PlatformModule } from '@pdp/platform';
import { AuditModule } from '@pdp/audit';
import { RoutingRulesModule } from '@pdp/routing-rules';
import { DeadLettersModule } from '@pdp/dead-letters';
import { PartnersModule } from '@pdp/partners';
import { IdentityModule } from '@pdp/identity';
import { SignalementsConsumerModule } from '@pdp/signalements';

/** The signalements service: signalements and the SPSTI's accompaniment reports off the bus. */
@Module({})
export class SignalementsAppModule {
  static forRoot(config: HubConfig, adapters: PlatformAdapters = {}): DynamicModule {
    return {
      module: SignalementsAppModule,
      imports: [PlatformModule.forRoot(config, adapters), AuditModule, RoutingRulesModule, DeadLettersModule, PartnersModule, IdentityModule, ProbesModule, SignalementsConsumerModule],
    };
  }
}
