import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { startTracing } from '@pdp/telemetry';
import { loadConfig } from '@pdp/config';
import { configureHttp, httpsOptions } from '@pdp/http';
import { GatewayModule } from './gateway.module';

/** Composition root of the gateway service (distributed mode: Kafka + PostgreSQL). */
async function bootstrap() {
  const config = loadConfig(process.env, { mode: 'distributed' });
  startTracing('pdp-gateway', config.telemetry);
  const app = await NestFactory.create(GatewayModule.forRoot(config), { bodyParser: false, httpsOptions: httpsOptions(config), bufferLogs: true });
  configureHttp(app);
  await app.listen(config.http.port, config.http.host);
  new Logger('gateway').log(`listening on ${config.https ? 'https' : 'http'}://${config.http.host}:${config.http.port}`);
}

void bootstrap();
