import 'reflect-metadata';
import { startTracing } from '../../../libs/telemetry/src';
import { Module } from '@nestjs/common';
import { loadConfig } from '../../../libs/config/src';
import { ConsumerGroups, COORDINATOR_TRANSPORT } from '../../../libs/bus/src';
import { createRuntime, RuntimeModule, startWorker } from '../../../libs/runtime/src';
import { CoordinatorModule } from './coordinator.module';

/** Composition root of the coordinator service (Kafka + PostgreSQL): signalements, return flow. */
async function bootstrap() {
  startTracing('pdp-coordinator');
  const runtime = await createRuntime(loadConfig(process.env, { mode: 'distributed' }));
  @Module({ imports: [RuntimeModule.forRoot(runtime), CoordinatorModule] })
  class CoordinatorAppModule {}
  await startWorker(CoordinatorAppModule, runtime, ConsumerGroups.coordinator, COORDINATOR_TRANSPORT);
}

void bootstrap();
