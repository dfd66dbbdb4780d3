import 'reflect-metadata';
import { serveHandlerThread } from '@pdp/bus';
import { loadConfig } from '@pdp/config';
import { createRuntime } from '@pdp/runtime';
import { startTracing } from '@pdp/telemetry';

/**
 * One of the normalizer's handler threads (main.ts starts them): the same runtime as the
 * service's, with its own database pool, publishing through the consuming thread's producer.
 */
startTracing('pdp-normalizer');
serveHandlerThread(async (bus) => {
  const runtime = await createRuntime(loadConfig(process.env, { mode: 'distributed' }), { bus });
  return (batch) => runtime.normalizer.handleBatch(batch);
});
