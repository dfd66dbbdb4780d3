import { DynamicModule, Global, Module } from '@nestjs/common';
import { HUB_CONFIG, HubConfig } from '@pdp/config';
import { MessageBus } from './bus';
import { KafkaBus } from './kafka-bus';
import { InMemoryBus } from './memory-bus';
import { BusJournal, busJournalFile } from './bus-journal';
import { hubTopics } from './topology';
import { InstrumentedBus } from './instrumented-bus';

/** The token of the app's message bus (MessageBus is an interface: Kafka, or in-process when embedded). */
export const MESSAGE_BUS = Symbol('MessageBus');

/** The app's bus, with the hub's fixed topics created before anything subscribes or publishes. */
@Global()
@Module({})
export class BusModule {
  /** `bus` replaces the one the configuration names (tests, the normalizer's handler threads). */
  static forRoot(options: { bus?: MessageBus } = {}): DynamicModule {
    return {
      module: BusModule,
      providers: [
        {
          provide: MESSAGE_BUS,
          inject: [HUB_CONFIG],
          useFactory: async (config: HubConfig): Promise<MessageBus> => {
            const { kafka } = config;
            const transport =
              options.bus ??
              (config.mode === 'embedded'
                ? // An embedded hub that keeps its database keeps its bus too (docs/operations.md, "Embedded mode").
                  new InMemoryBus(config.embeddedDataDir ? new BusJournal(busJournalFile(config.embeddedDataDir)) : undefined)
                : new KafkaBus({
                    brokers: kafka.brokers,
                    clientId: kafka.clientId,
                    namespace: kafka.namespace,
                    partitionsConsumedConcurrently: kafka.partitionsConsumedConcurrently,
                    fetchMinBytes: kafka.fetchMinBytes,
                    fetchMaxWaitMs: kafka.fetchMaxWaitMs,
                    fetchMaxBytesPerPartition: kafka.fetchMaxBytesPerPartition,
                    commitIntervalMs: kafka.commitIntervalMs,
                    sessionTimeoutMs: kafka.sessionTimeoutMs,
                    security: { ssl: kafka.ssl, sasl: kafka.sasl },
                  }));
            // Every app counts what it publishes and consumes (docs/operations.md, "Metrics").
            const bus = new InstrumentedBus(transport);
            await bus.ensureTopics(hubTopics(kafka.partitions, config.retention));
            return bus;
          },
        },
      ],
      exports: [MESSAGE_BUS],
    };
  }
}
