import 'reflect-metadata';
import { startTracing } from '../../../libs/telemetry/src';
import { Module } from '@nestjs/common';
import { loadConfig } from '../../../libs/config/src';
import { ConsumerGroups, ROUTER_TRANSPORT } from '../../../libs/bus/src';
import { createRuntime, RuntimeModule, startWorker } from '../../../libs/runtime/src';
import { RouterModule } from './router.module';

/** Composition root of the router service (Kafka + PostgreSQL). */
async function bootstrap() {
  startTracing('pdp-router');
  const runtime = await createRuntime(loadConfig(process.env, { mode: 'distributed' }));
  @Module({ imports: [RuntimeModule.forRoot(runtime), RouterModule] })
  class RouterAppModule {}
  await startWorker(RouterAppModule, runtime, ConsumerGroups.router, ROUTER_TRANSPORT);
}

void bootstrap();
