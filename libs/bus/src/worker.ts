import { DynamicModule, INestApplication, Logger, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HUB_CONFIG, HubConfig } from '@pdp/config';
import { MessageBus } from './bus';
import { MESSAGE_BUS } from './bus.module';
import { BusTransport, RethrowToTransport } from './bus-transport';
import { POISON_SINK, PoisonSink } from './batch-isolation';
import { Logger as JsonLogger } from 'nestjs-pino';

/**
 * Attaches a consumer group to an app: its @EventPattern handlers for that transport consume from
 * the app's bus. When the app can dead-letter (POISON_SINK, from DeadLettersModule), a message
 * that keeps failing is isolated and dead-lettered after CONSUMER_MAX_ATTEMPTS (batch-isolation.ts).
 */
export function connectWorker(app: INestApplication, groupId: string, transportId: symbol): void {
  const bus = app.get<MessageBus>(MESSAGE_BUS);
  const config = app.get<HubConfig>(HUB_CONFIG);
  const poison = optional<PoisonSink>(app, POISON_SINK)?.forGroup(groupId);
  if (!poison) new Logger(groupId).warn('no dead letters for this consumer group: a message that keeps failing stops its partition');
  const isolation = poison ? { maxAttempts: config.consumers.maxAttempts, backoffMs: config.consumers.retryBackoffMs, poison } : undefined;
  app.connectMicroservice({ strategy: new BusTransport(bus, groupId, transportId, isolation) }, { inheritAppConfig: true });
}

function optional<T>(app: INestApplication, token: symbol): T | undefined {
  try {
    return app.get<T>(token, { strict: false });
  } catch {
    return undefined;
  }
}

/**
 * Starts a worker service: a Nest app whose consumer group consumes from the bus, with HTTP only
 * for its probes and metrics, on PROBE_PORT when set. The app is initialised (its bootstrap hooks run) and `beforeConsuming` has run
 * before the first batch is fetched.
 */
export async function startWorker(
  module: Type<unknown> | DynamicModule,
  groupId: string,
  transportId: symbol,
  beforeConsuming?: (app: INestApplication, bus: MessageBus) => Promise<void>,
): Promise<INestApplication> {
  const app = await NestFactory.create(module, { bufferLogs: true });
  app.useLogger(app.get(JsonLogger));
  app.enableShutdownHooks();
  await app.init();
  await beforeConsuming?.(app, app.get<MessageBus>(MESSAGE_BUS));
  // A worker serves no HTTP: its consumers' errors go to the transport as thrown (an app that
  // serves HTTP too has HttpModule's ProblemDetailsFilter, which does the same for them).
  app.useGlobalFilters(new RethrowToTransport());
  connectWorker(app, groupId, transportId);
  await app.startAllMicroservices();
  // Probes and metrics (the app's module imports ProbesModule) on their own small port.
  const { probePort, http } = app.get<HubConfig>(HUB_CONFIG);
  if (probePort !== undefined) await app.listen(probePort, http.host);
  new Logger(groupId).log(probePort !== undefined ? `consuming; probes and metrics on http://${http.host}:${probePort}` : 'consuming');
  return app;
}
