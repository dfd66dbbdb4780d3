import 'reflect-metadata';
import { startTracing } from '@pdp/telemetry';
import { Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@pdp/config';
import { ConsumerGroups, METRICS_TRANSPORT } from '@pdp/bus';
import { connectWorker, createRuntime, RuntimeModule } from '@pdp/runtime';
// eslint-disable-next-line boundaries/dependencies -- an app never imports another app; this goes when configureHttp lives in a lib.
import { configureHttp } from '../../gateway/src/http-app';
import { MetricsModule } from './metrics.module';

/**
 * Composition root of the metrics service (distributed mode: Kafka + PostgreSQL): consumes the
 * outcome topic and serves the metrics, outcome and follow-up HTTP API.
 */
async function bootstrap() {
  startTracing('pdp-metrics');
  const config = loadConfig(process.env, { mode: 'distributed' });
  const runtime = await createRuntime(config);
  @Module({ imports: [RuntimeModule.forRoot(runtime), MetricsModule] })
  class MetricsAppModule {}
  const app = await NestFactory.create(MetricsAppModule, { bodyParser: false });
  configureHttp(app);
  connectWorker(app, runtime, ConsumerGroups.metrics, METRICS_TRANSPORT);
  await app.startAllMicroservices();
  await app.listen(config.http.port, config.http.host);
  new Logger('metrics').log(`listening on http://${config.http.host}:${config.http.port}`);
}

void bootstrap();
