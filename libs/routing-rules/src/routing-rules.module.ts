import { Global, Module } from '@nestjs/common';
import { ContractRegistry } from '@pdp/contracts';
import { HUB_CONFIG, HubConfig } from '@pdp/config';
import { defaultRulesFile, RuleSet } from './rule-set';

/**
 * The rule set in force, one per app: the signalement flow routes with it and the sick-leave
 * flow's audit names its version, so a reload serves both. Loaded at start-up: a bad file stops the app.
 */
@Global()
@Module({
  providers: [
    {
      provide: RuleSet,
      inject: [HUB_CONFIG, ContractRegistry],
      useFactory: (config: HubConfig, contracts: ContractRegistry) => new RuleSet(config.routingRulesFile ?? defaultRulesFile(), contracts),
    },
  ],
  exports: [RuleSet],
})
export class RoutingRulesModule {}
