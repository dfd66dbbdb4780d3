import { DynamicModule, Global, Module } from '@nestjs/common';
import { HubConfig } from './config';

/** The token of the app's validated configuration (HubConfig is an interface). */
export const HUB_CONFIG = Symbol('HubConfig');

/** The one configuration of an app, read and validated by loadConfig before Nest starts. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: HubConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: HUB_CONFIG, useValue: config }], exports: [HUB_CONFIG] };
  }
}
