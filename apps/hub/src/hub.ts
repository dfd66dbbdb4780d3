import 'reflect-metadata';
import { INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HubConfig } from '@pdp/config';
import { ConsumerGroups, SIGNALEMENTS_TRANSPORT, METRICS_TRANSPORT, NORMALIZER_TRANSPORT, ROUTER_TRANSPORT } from '@pdp/bus';
import { connectWorker, createRuntime, HubRuntime, RuntimeAdapters, RuntimeModule } from '@pdp/runtime';
/* eslint-disable boundaries/dependencies -- an app never imports another app; these go when the modules the hub composes live in libs. */
import { GatewayModule } from '../../gateway/src/gateway.module';
import { configureHttp } from '../../gateway/src/http-app';
import { NormalizerModule } from '../../normalizer/src/normalizer.module';
import { RouterModule } from '../../router/src/router.module';
import { MetricsModule } from '../../metrics/src/metrics.module';
import { SignalementsWorkerModule } from '../../signalements/src/coordinator.module';
/* eslint-enable boundaries/dependencies */

export interface Hub {
  app: INestApplication;
  runtime: HubRuntime;
}

/**
 * The whole hub in one Nest application: the gateway's HTTP API plus the normalizer and router
 * consumer groups, on whatever bus and database the runtime was given.
 */
export async function createHub(config: HubConfig, adapters: RuntimeAdapters = {}): Promise<Hub> {
  const runtime = await createRuntime(config, adapters);
  @Module({ imports: [RuntimeModule.forRoot(runtime), GatewayModule, NormalizerModule, RouterModule, MetricsModule, SignalementsWorkerModule] })
  class HubModule {}
  const app = await NestFactory.create(HubModule, { bodyParser: false, logger: ['error', 'warn', 'log'] });
  configureHttp(app);
  connectWorker(app, runtime, ConsumerGroups.normalizer, NORMALIZER_TRANSPORT);
  connectWorker(app, runtime, ConsumerGroups.router, ROUTER_TRANSPORT);
  connectWorker(app, runtime, ConsumerGroups.metrics, METRICS_TRANSPORT);
  connectWorker(app, runtime, ConsumerGroups.signalements, SIGNALEMENTS_TRANSPORT);
  await app.startAllMicroservices();
  return { app, runtime };
}
