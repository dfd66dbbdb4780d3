import 'reflect-metadata';
import { serveHandlerThread } from '../../../libs/bus/src';
import { loadConfig } from '../../../libs/config/src';
import { createRuntime } from '../../../libs/runtime/src';
import { startTracing } from '../../../libs/telemetry/src';

/**
 * One of the normalizer's handler threads (main.ts starts them): the same runtime as the
 * service's, with its own database pool, publishing through the consuming thread's producer.
 */
startTracing('pdp-normalizer');
serveHandlerThread(async (bus) => {
  const runtime = await createRuntime(loadConfig(process.env, { mode: 'distributed' }), { bus });
  return (batch) => runtime.normalizer.handleBatch(batch);
});
