import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { serveHandlerThread } from '@pdp/bus';
import { loadConfig } from '@pdp/config';
import { LeaveNormalizer } from '@pdp/sick-leave';
import { startTracing } from '@pdp/telemetry';
import { NormalizerThreadModule } from './normalizer.module';

/**
 * One of the normalizer's handler threads (main.ts starts them): the same sick-leave services as
 * the service's, with their own database pool, publishing through the consuming thread's producer.
 */
const config = loadConfig(process.env, { mode: 'distributed' });
startTracing('pdp-normalizer', config.telemetry);
serveHandlerThread(async (bus) => {
  const app = await NestFactory.createApplicationContext(NormalizerThreadModule.forRoot(config, { bus }), { logger: ['error', 'warn'] });
  const normalizer = app.get(LeaveNormalizer);
  return (batch) => normalizer.handleBatch(batch);
});
