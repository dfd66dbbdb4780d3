import 'reflect-metadata';
import { join } from 'path';
import { startTracing } from '@pdp/telemetry';
import { loadConfig } from '@pdp/config';
import { ConsumerGroups, HandlerThreads, NORMALIZER_TRANSPORT, startWorker } from '@pdp/bus';
import { NormalizerAppModule } from './normalizer.module';

/** Composition root of the normalizer service (Kafka + PostgreSQL). */
async function bootstrap() {
  const config = loadConfig(process.env, { mode: 'distributed' });
  startTracing('pdp-normalizer', config.telemetry);
  // This thread consumes and produces; the batches' work runs on NORMALIZER_THREADS threads,
  // which publish through this thread's bus.
  let threads: HandlerThreads | undefined;
  const module = NormalizerAppModule.forRoot(config, {
    threads: config.normalizerThreads > 0 ? (batch) => threads!.handle(batch) : undefined,
  });
  // On SIGTERM Nest closes the consumer, which waits for the batches in hand (on the threads),
  // and the threads end with the process.
  await startWorker(module, ConsumerGroups.normalizer, NORMALIZER_TRANSPORT, async (_app, bus) => {
    if (config.normalizerThreads > 0) threads = await HandlerThreads.workers(join(__dirname, 'handler-thread.js'), config.normalizerThreads, bus);
  });
}

void bootstrap();
