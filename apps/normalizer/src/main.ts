import 'reflect-metadata';
import { startTracing } from '../../../libs/telemetry/src';
import { Module } from '@nestjs/common';
import { loadConfig } from '../../../libs/config/src';
import { ConsumerGroups, NORMALIZER_TRANSPORT } from '../../../libs/bus/src';
import { createRuntime, RuntimeModule, startWorker } from '../../../libs/runtime/src';
import { NormalizerModule } from './normalizer.module';

/** Composition root of the normalizer service (Kafka + PostgreSQL). */
async function bootstrap() {
  startTracing('pdp-normalizer');
  const runtime = await createRuntime(loadConfig(process.env, { mode: 'distributed' }));
  @Module({ imports: [RuntimeModule.forRoot(runtime), NormalizerModule] })
  class NormalizerAppModule {}
  await startWorker(NormalizerAppModule, runtime, ConsumerGroups.normalizer, NORMALIZER_TRANSPORT);
}

void bootstrap();
