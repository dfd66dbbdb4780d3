import 'reflect-metadata';
import { join } from 'path';
import { startTracing } from '@pdp/telemetry';
import { Module } from '@nestjs/common';
import { loadConfig } from '@pdp/config';
import { ConsumerGroups, HandlerThreads, NORMALIZER_TRANSPORT } from '@pdp/bus';
import { createRuntime, RuntimeModule, startWorker } from '@pdp/runtime';
import { NormalizerModule } from './normalizer.module';

/** Composition root of the normalizer service (Kafka + PostgreSQL). */
async function bootstrap() {
  startTracing('pdp-normalizer');
  const config = loadConfig(process.env, { mode: 'distributed' });
  const runtime = await createRuntime(config);
  // This thread consumes and produces; the batches' work runs on NORMALIZER_THREADS threads.
  const threads = config.normalizerThreads > 0 ? await HandlerThreads.workers(join(__dirname, 'handler-thread.js'), config.normalizerThreads, runtime.bus) : undefined;
  @Module({ imports: [RuntimeModule.forRoot(runtime), threads ? NormalizerModule.handledBy(threads.handle) : NormalizerModule] })
  class NormalizerAppModule {}
  // On SIGTERM Nest closes the consumer, which waits for the batches in hand (on the threads),
  // and the threads end with the process.
  await startWorker(NormalizerAppModule, runtime, ConsumerGroups.normalizer, NORMALIZER_TRANSPORT);
}

void bootstrap();
