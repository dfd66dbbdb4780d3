import { INestApplication, INestMicroservice, Logger, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { BusTransport } from '@pdp/bus';
import { HubRuntime } from './runtime';

/** Attaches a worker's consumer group to an app (hybrid HTTP + bus, as in the embedded hub). */
export function connectWorker(app: INestApplication, runtime: HubRuntime, groupId: string, transportId: symbol): void {
  app.connectMicroservice({ strategy: new BusTransport(runtime.bus, groupId, transportId) }, { inheritAppConfig: true });
}

/** Starts a standalone worker service: a Nest microservice on the bus, no HTTP. */
export async function startWorker(module: Type<unknown>, runtime: HubRuntime, groupId: string, transportId: symbol): Promise<INestMicroservice> {
  const app = await NestFactory.createMicroservice(module, { strategy: new BusTransport(runtime.bus, groupId, transportId) });
  app.enableShutdownHooks();
  await app.listen();
  new Logger(groupId).log('consuming');
  return app;
}
