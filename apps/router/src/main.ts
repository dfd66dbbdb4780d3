import 'reflect-metadata';
import { startTracing } from '@pdp/telemetry';
import { loadConfig } from '@pdp/config';
import { ConsumerGroups, ROUTER_TRANSPORT, startWorker } from '@pdp/bus';
import { RouterAppModule } from './router.module';

/** Composition root of the router service (Kafka + PostgreSQL). */
async function bootstrap() {
  const config = loadConfig(process.env, { mode: 'distributed' });
  startTracing('pdp-router', config.telemetry);
  await startWorker(RouterAppModule.forRoot(config), ConsumerGroups.router, ROUTER_TRANSPORT);
}

void bootstrap();
