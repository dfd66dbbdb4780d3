import { CustomTransportStrategy, Server } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { SpanKind } from '@opentelemetry/api';
import { traced } from '@pdp/telemetry';
import { BusMessage, MessageBus } from './bus';

/**
 * A NestJS microservice transport over the hub's MessageBus. Controllers declare
 * `@EventPattern(topic)` and receive whole batches (BusMessage[]) from one partition, which is
 * what lets handlers batch their database work; Kafka or in-process is the bus's business.
 */
export class BusTransport extends Server implements CustomTransportStrategy {
  constructor(
    private readonly bus: MessageBus,
    private readonly groupId: string,
    transportId: symbol,
  ) {
    super();
    this.transportId = transportId;
  }

  async listen(callback: (...optionalParams: unknown[]) => void): Promise<void> {
    const topics = [...this.messageHandlers.keys()];
    try {
      if (topics.length > 0) {
        await this.bus.subscribe({ groupId: this.groupId, topics, handle: (batch) => this.dispatch(batch) });
      }
      callback();
    } catch (e) {
      callback(e);
    }
  }

  async close(): Promise<void> {
    // The bus belongs to the composition root, which closes it.
  }

  on(): void {
    throw new Error('BusTransport has no events');
  }

  unwrap<T>(): T {
    return this.bus as T;
  }

  private async dispatch(batch: BusMessage[]): Promise<void> {
    const topic = batch[0].topic;
    const handler = this.messageHandlers.get(topic);
    if (!handler) throw new Error(`no handler for ${topic}`);
    // One consumer span per batch: topic, partition and size only (keys and values stay out).
    const attributes = {
      'messaging.system': 'kafka',
      'messaging.destination.name': topic,
      'messaging.destination.partition.id': String(batch[0].partition),
      'messaging.consumer.group.name': this.groupId,
      'messaging.batch.message_count': batch.length,
    };
    await traced(
      `consume ${topic}`,
      attributes,
      async () => {
        await lastValueFrom(this.transformToObservable(await handler(batch)), { defaultValue: undefined });
      },
      SpanKind.CONSUMER,
    );
  }
}
