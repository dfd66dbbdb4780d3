import { CustomTransportStrategy, Server } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
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
    const handler = this.messageHandlers.get(batch[0].topic);
    if (!handler) throw new Error(`no handler for ${batch[0].topic}`);
    await lastValueFrom(this.transformToObservable(await handler(batch)), { defaultValue: undefined });
  }
}
