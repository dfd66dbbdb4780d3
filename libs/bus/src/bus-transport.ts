import { Catch, ExceptionFilter } from '@nestjs/common';
import { CustomTransportStrategy, Server } from '@nestjs/microservices';
import { lastValueFrom, Observable, throwError } from 'rxjs';
import { SpanKind } from '@opentelemetry/api';
import { traced } from '@pdp/telemetry';
import { BatchHandler, BusMessage, MessageBus } from './bus';
import { isolatingHandler, IsolationOptions } from './batch-isolation';

/**
 * A NestJS microservice transport over the hub's MessageBus. Controllers declare
 * `@EventPattern(topic)` and receive whole batches (BusMessage[]) from one partition, which is
 * what lets handlers batch their database work; Kafka or in-process is the bus's business.
 * With `isolation`, every consumer's batches go through isolatingHandler: a message that keeps
 * failing is dead-lettered and the rest of its batch flows (batch-isolation.ts).
 */
export class BusTransport extends Server implements CustomTransportStrategy {
  constructor(
    private readonly bus: MessageBus,
    private readonly groupId: string,
    transportId: symbol,
    private readonly isolation?: Omit<IsolationOptions, 'log'>,
  ) {
    super();
    this.transportId = transportId;
  }

  async listen(callback: (...optionalParams: unknown[]) => void): Promise<void> {
    const topics = [...this.messageHandlers.keys()];
    try {
      if (topics.length > 0) {
        const dispatch: BatchHandler = (batch) => this.dispatch(batch);
        const handle = this.isolation ? isolatingHandler(dispatch, { ...this.isolation, log: (m) => this.logger.warn(`group ${this.groupId}: ${m}`) }) : dispatch;
        await this.bus.subscribe({ groupId: this.groupId, topics, handle });
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

/**
 * Hands a consumer's error to the transport as it was thrown. Nest's default RPC filter would
 * replace it by `{ status: 'error', message: 'Internal server error' }`, made for answering a
 * caller; here nobody is answered, and the error's code (a SQLSTATE, a connection error) is
 * what tells a message the database refuses from a database that is down (batch-isolation.ts).
 */
@Catch()
export class RethrowToTransport implements ExceptionFilter {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}
