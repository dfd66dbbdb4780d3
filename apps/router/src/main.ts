import 'reflect-metadata';
import { startTracing } from '@pdp/telemetry';
import { Module } from '@nestjs/common';
import { loadConfig } from '@pdp/config';
import { ConsumerGroups, ROUTER_TRANSPORT } from '@pdp/bus';
import { createRuntime, RuntimeModule, startWorker } from '@pdp/runtime';
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
