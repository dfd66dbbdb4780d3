import 'reflect-metadata';
import { startTracing } from '@pdp/telemetry';
import { loadConfig } from '@pdp/config';
import { ConsumerGroups, SIGNALEMENTS_TRANSPORT, startWorker } from '@pdp/bus';
import { SignalementsAppModule } from './signalements.module';

/** Composition root of the signalements service (Kafka + PostgreSQL): signalements, return flow. */
async function bootstrap() {
  const config = loadConfig(process.env, { mode: 'distributed' });
  startTracing('pdp-signalements', config.telemetry);
  await startWorker(SignalementsAppModule.forRoot(config), ConsumerGroups.signalements, SIGNALEMENTS_TRANSPORT);
}

void bootstrap();
