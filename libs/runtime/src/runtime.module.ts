import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { HUB_RUNTIME, HubRuntime } from './runtime';

class RuntimeShutdown implements OnApplicationShutdown {
  constructor(@Inject(HUB_RUNTIME) private readonly rt: HubRuntime) {}

  async onApplicationShutdown(): Promise<void> {
    await this.rt.close();
  }
}

/** Provides the app's runtime (adapters and services) to every module, and closes it on shutdown. */
@Global()
@Module({})
export class RuntimeModule {
  static forRoot(runtime: HubRuntime): DynamicModule {
    return {
      module: RuntimeModule,
      providers: [{ provide: HUB_RUNTIME, useValue: runtime }, RuntimeShutdown],
      exports: [HUB_RUNTIME],
    };
  }
}
