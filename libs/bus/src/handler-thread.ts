import { parentPort } from 'worker_threads';
import { BatchHandler, MessageBus, OutgoingMessage, Subscription, TopicSpec } from './bus';
import { BusCall, errorFields, ErrorFields, errorFrom, errorText, FromThread, PackedBatch, ToThread, unpackBatch } from './thread-protocol';

/** The part of a MessagePort a handler thread uses (`parentPort`, or a MessageChannel's port in tests). */
export interface PortLike {
  postMessage(value: FromThread): void;
  on(event: 'message', listener: (m: ToThread) => void): unknown;
}

/**
 * A handler thread's bus: what it publishes goes through the consuming thread's producer, so a
 * publish still resolves only once the broker has the records (the batch's transaction commits
 * after). It consumes nothing: its batches come from the consuming thread.
 */
class ThreadBus implements MessageBus {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();

  constructor(private readonly port: PortLike) {}

  settle(id: number, error?: ErrorFields): void {
    const w = this.waiting.get(id);
    this.waiting.delete(id);
    if (error === undefined) w?.resolve();
    else w?.reject(errorFrom(error));
  }

  ensureTopics(specs: TopicSpec[]): Promise<void> {
    return this.call({ method: 'ensureTopics', specs });
  }

  publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    return this.publishMany([{ topic, messages }]);
  }

  publishMany(batches: { topic: string; messages: OutgoingMessage[] }[]): Promise<void> {
    const some = batches.filter((b) => b.messages.length > 0);
    return some.length ? this.call({ method: 'publishMany', batches: some }) : Promise.resolve();
  }

  subscribe(_subscription: Subscription): Promise<void> {
    return Promise.reject(new Error('a handler thread does not consume: its batches come from the consuming thread'));
  }

  async close(): Promise<void> {}

  private call(c: BusCall): Promise<void> {
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.port.postMessage({ kind: 'call', id, ...c });
    });
  }
}

/**
 * Serves batches on a port: builds the handler once (with a bus that publishes through the
 * consuming thread), says ready, then handles each batch and says done, or why not.
 */
export function serveBatches(port: PortLike, build: (bus: MessageBus) => Promise<BatchHandler>): void {
  const bus = new ThreadBus(port);
  const handler = build(bus);
  port.on('message', (m: ToThread) => {
    if (m.kind === 'reply') return bus.settle(m.id, m.error === undefined ? undefined : (m as ErrorFields));
    // Only the id is kept while the batch is handled: the packed batch (its per-message arrays)
    // and the messages unpacked from it may then die as soon as the handler has read them,
    // rather than be copied by every young-generation collection until the batch commits.
    const id = m.id;
    let batch: PackedBatch | undefined = m.batch;
    handler
      .then((handle) => {
        const messages = unpackBatch(batch!);
        batch = undefined;
        return handle(messages);
      })
      .then(
        () => port.postMessage({ kind: 'done', id }),
        (e) => port.postMessage({ kind: 'done', id, ...errorFields(e) }),
      );
  });
  handler.then(
    () => port.postMessage({ kind: 'ready' }),
    (e) => port.postMessage({ kind: 'failed', error: errorText(e) }),
  );
}

/** The entry point of a handler thread's script (see HandlerThreads). */
export function serveHandlerThread(build: (bus: MessageBus) => Promise<BatchHandler>): void {
  if (!parentPort) throw new Error('serveHandlerThread runs in a worker thread');
  serveBatches(parentPort, build);
}
