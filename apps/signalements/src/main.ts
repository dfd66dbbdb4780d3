import 'reflect-metadata';
import { startTracing } from '@pdp/telemetry';
import { Module } from '@nestjs/common';
import { loadConfig } from '@pdp/config';
import { ConsumerGroups, SIGNALEMENTS_TRANSPORT } from '@pdp/bus';
import { createRuntime, RuntimeModule, startWorker } from '@pdp/runtime';
import { SignalementsWorkerModule } from './coordinator.module';

/** Composition root of the coordinator service (Kafka + PostgreSQL): signalements, return flow. */
async function bootstrap() {
  startTracing('pdp-coordinator');
  const runtime = await createRuntime(loadConfig(process.env, { mode: 'distributed' }));
  @Module({ imports: [RuntimeModule.forRoot(runtime), SignalementsWorkerModule] })
  class SignalementsAppModule {}
  await startWorker(SignalementsAppModule, runtime, ConsumerGroups.signalements, SIGNALEMENTS_TRANSPORT);
}

void bootstrap();
