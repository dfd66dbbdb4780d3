import 'reflect-metadata';
import { startTracing } from '@pdp/telemetry';
import { Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@pdp/config';
import { createRuntime, RuntimeModule } from '@pdp/runtime';
import { GatewayModule } from './gateway.module';
import { configureHttp } from './http-app';

/** Composition root of the gateway service (distributed mode: Kafka + PostgreSQL). */
async function bootstrap() {
  startTracing('pdp-gateway');
  const config = loadConfig(process.env, { mode: 'distributed' });
  const runtime = await createRuntime(config);
  @Module({ imports: [RuntimeModule.forRoot(runtime), GatewayModule] })
  class GatewayAppModule {}
  const app = await NestFactory.create(GatewayAppModule, { bodyParser: false });
  configureHttp(app);
  await app.listen(config.http.port, config.http.host);
  new Logger('gateway').log(`listening on http://${config.http.host}:${config.http.port}`);
}

void bootstrap();
