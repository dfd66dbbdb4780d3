import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { startTracing } from '@pdp/telemetry';
import { loadConfig } from '@pdp/config';
import { ConsumerGroups, connectWorker, METRICS_TRANSPORT } from '@pdp/bus';
import { configureHttp, httpsOptions } from '@pdp/http';
import { MetricsAppModule } from './metrics.module';

/**
 * Composition root of the metrics service (distributed mode: Kafka + PostgreSQL): consumes the
 * outcome topic and serves the metrics, outcome and follow-up HTTP API.
 */
async function bootstrap() {
  const config = loadConfig(process.env, { mode: 'distributed' });
  startTracing('pdp-metrics', config.telemetry);
  const app = await NestFactory.create(MetricsAppModule.forRoot(config), { bodyParser: false, httpsOptions: httpsOptions(config), bufferLogs: true });
  configureHttp(app);
  connectWorker(app, ConsumerGroups.metrics, METRICS_TRANSPORT);
  await app.startAllMicroservices();
  await app.listen(config.http.port, config.http.host);
  new Logger('metrics').log(`listening on ${config.https ? 'https' : 'http'}://${config.http.host}:${config.http.port}`);
}

void bootstrap();
