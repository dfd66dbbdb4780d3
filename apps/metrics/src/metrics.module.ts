import { DynamicModule, Module } from '@nestjs/common';
import { HubConfig } from '@pdp/config';
import { PlatformAdapters, PlatformModule } from '@pdp/platform';
import { AccessModule } from '@pdp/access';
import { HttpModule } from '@pdp/http';
import { DeadLettersModule } from '@pdp/dead-letters';
import { PartnersModule } from '@pdp/partners';
import { IdentityModule } from '@pdp/identity';
import { OutcomesConsumerModule, OutcomesHttpModule } from '@pdp/outcomes';

/** The metrics service: outcome reports in (HTTP and bus), metrics and follow-ups out (HTTP and bus). */
@Module({})
export class MetricsAppModule {
  static forRoot(config: HubConfig, adapters: PlatformAdapters = {}): DynamicModule {
    return {
      module: MetricsAppModule,
      imports: [PlatformModule.forRoot(config, adapters), HttpModule, IdentityModule, DeadLettersModule, PartnersModule, AccessModule, OutcomesHttpModule, OutcomesConsumerModule],
    };
  }
}
