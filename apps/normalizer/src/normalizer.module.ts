import { ProbesModule } from '@pdp/http';
import { DynamicModule, Module } from '@nestjs/common';
import { HubConfig } from '@pdp/config';
import { PlatformAdapters, PlatformModule } from '@pdp/platform';
import { BatchHandler } from '@pdp/bus';
import { AuditModule } from '@pdp/audit';
import { RoutingRulesModule } from '@pdp/routing-rules';
import { DeadLettersModule } from '@pdp/dead-letters';
import { PartnersModule } from '@pdp/partners';
import { IdentityModule } from '@pdp/identity';
import { SickLeaveModule, SickLeaveNormalizerModule } from '@pdp/sick-leave';

/** What the normalizer's sick-leave work stands on, in the service and in each handler thread. */
function sickLeaveFlow(config: HubConfig, adapters: PlatformAdapters) {
  return [PlatformModule.forRoot(config, adapters), AuditModule, RoutingRulesModule, DeadLettersModule, PartnersModule, IdentityModule];
}

/** The normalizer service: consumes the inbound leaves, normalises and routes them in one transaction. */
@Module({})
export class NormalizerAppModule {
  /** `threads` takes the batches when the service hands them to its handler threads. */
  static forRoot(config: HubConfig, options: { threads?: BatchHandler } & PlatformAdapters = {}): DynamicModule {
    const { threads, ...adapters } = options;
    return { module: NormalizerAppModule, imports: [...sickLeaveFlow(config, adapters), ProbesModule, threads ? SickLeaveNormalizerModule.handledBy(threads) : SickLeaveNormalizerModule] };
  }
}

/** One handler thread: the same sick-leave services, publishing through the consuming thread's producer. */
@Module({})
export class NormalizerThreadModule {
  static forRoot(config: HubConfig, adapters: PlatformAdapters): DynamicModule {
    return { module: NormalizerThreadModule, imports: [...sickLeaveFlow(config, adapters), SickLeaveModule] };
  }
}
