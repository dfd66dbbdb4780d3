import { DynamicModule, INestApplication, Logger, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessageBus } from './bus';
import { MESSAGE_BUS } from './bus.module';
import { BusTransport } from './bus-transport';

/** Attaches a consumer group to an app: its @EventPattern handlers for that transport consume from the app's bus. */
export function connectWorker(app: INestApplication, groupId: string, transportId: symbol): void {
  const bus = app.get<MessageBus>(MESSAGE_BUS);
  app.connectMicroservice({ strategy: new BusTransport(bus, groupId, transportId) }, { inheritAppConfig: true });
}

/**
 * Starts a worker service: a Nest app whose consumer group consumes from the bus, with no HTTP
 * listener. The app is initialised (its bootstrap hooks run) and `beforeConsuming` has run
 * before the first batch is fetched.
 */
export async function startWorker(
  module: Type<unknown> | DynamicModule,
  groupId: string,
  transportId: symbol,
  beforeConsuming?: (app: INestApplication, bus: MessageBus) => Promise<void>,
): Promise<INestApplication> {
  const app = await NestFactory.create(module, { logger: ['error', 'warn', 'log'] });
  app.enableShutdownHooks();
  await app.init();
  await beforeConsuming?.(app, app.get<MessageBus>(MESSAGE_BUS));
  connectWorker(app, groupId, transportId);
  await app.startAllMicroservices();
  new Logger(groupId).log('consuming');
  return app;
}
