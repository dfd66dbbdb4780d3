import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { ContractRegistry } from '@pdp/contracts';
import { Pseudonymizer } from '@pdp/domain';
import { ConfigModule, HUB_CONFIG, HubConfig } from '@pdp/config';
import { Database, DATABASE, DatabaseModule } from '@pdp/db';
import { BusModule, MESSAGE_BUS, MessageBus } from '@pdp/bus';
import { accessLogOptions, logDestination, LogSettings } from '@pdp/observability';
import { LoggerModule } from 'nestjs-pino';

/** The token of the app's clock (tests set the date). */
export const CLOCK = Symbol('Clock');
export type Clock = () => Date;

/** What a test (or the normalizer's handler threads) puts in place of what the configuration names. */
export interface PlatformAdapters {
  db?: Database;
  bus?: MessageBus;
  clock?: Clock;
}

/** Closes the bus (its consumers finish the batches in hand) before the database they write to. */
@Injectable()
class PlatformShutdown implements OnApplicationShutdown {
  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(DATABASE) private readonly db: Database,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.bus.close();
    await this.db.close();
  }
}

/**
 * What every app of the hub stands on: its configuration, database, bus and clock, the contract
 * registry and the pseudonymizer. Every flow module injects these; only the adapters differ
 * between the embedded and the distributed modes.
 */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(config: HubConfig, adapters: PlatformAdapters = {}): DynamicModule {
    return {
      module: PlatformModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot({ db: adapters.db }),
        BusModule.forRoot({ bus: adapters.bus }),
        // JSON log lines and the access log (docs/operations.md, "Logs"); the apps install it as their logger.
        LoggerModule.forRoot({ pinoHttp: [accessLogOptions(logSettings(config)), logDestination(logSettings(config))] }),
      ],
      providers: [
        { provide: CLOCK, useValue: adapters.clock ?? (() => new Date()) },
        { provide: ContractRegistry, useFactory: () => new ContractRegistry() },
        { provide: Pseudonymizer, inject: [HUB_CONFIG], useFactory: (c: HubConfig) => new Pseudonymizer(c.pseudonymKey, c.pseudonymRotations) },
        PlatformShutdown,
      ],
      exports: [ConfigModule, DatabaseModule, BusModule, LoggerModule, CLOCK, ContractRegistry, Pseudonymizer],
    };
  }
}

function logSettings(config: HubConfig): LogSettings {
  return { service: config.kafka.clientId, level: config.log?.level ?? 'info', file: config.log?.file };
}
