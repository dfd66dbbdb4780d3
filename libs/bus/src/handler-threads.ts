import { Logger } from '@nestjs/common';
import { Worker } from 'worker_threads';
import { BatchHandler, BusMessage, MessageBus } from './bus';
import { asBuffers, errorFields, ErrorFields, errorFrom, FromThread, packBatch, ToThread } from './thread-protocol';

/** The part of a worker_threads Worker the pool uses (a fake in unit tests). */
export interface ThreadLike {
  postMessage(value: ToThread, transfer?: ArrayBuffer[]): void;
  on(event: 'message', listener: (m: FromThread) => void): unknown;
  on(event: 'error', listener: (e: Error) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  terminate(): Promise<number>;
}

export interface HandlerThreadsOptions {
  /** Threads to start; each builds its own handler (its own database pool, its own heap). */
  threads: number;
  /** The consuming thread's bus: the handler threads publish through it. */
  bus: MessageBus;
  /** Starts one thread, e.g. `() => new Worker(script)`. */
  start: () => ThreadLike;
}

interface Thread {
  worker: ThreadLike;
  running: Map<number, { resolve: () => void; reject: (e: Error) => void }>;
  closing: boolean;
}

/**
 * A consumer's batches handled on other threads (docs/performance.md). One JavaScript thread ran every
 * batch's parsing, validation, pseudonyms and statements: in a drain on two cores it was
 * runnable all the time (on a core ~72 % of it, waiting for one the rest) while the machine was
 * 13–25 % idle, so it, not the cores, bounded the throughput. The consuming thread keeps
 * kafkajs's fetching and producing; each handler thread runs whole batches, in its own heap
 * (its own young generation to collect) with its own database connections, and publishes
 * through the consuming thread's producer. A batch's promise settles when its thread has
 * committed it or failed: the caller's retry and commit logic (BatchPipeline) is unchanged. A
 * thread that dies fails its batches (they are read again) and is replaced.
 */
export class HandlerThreads {
  /** Threads ready for batches. */
  private readonly threads: Thread[] = [];
  /** Every thread started and not yet exited (ready or not), for close(). */
  private readonly started = new Set<Thread>();
  private nextId = 1;
  private closed = false;
  private readonly logger = new Logger('HandlerThreads');

  private constructor(private readonly o: HandlerThreadsOptions) {}

  /** Starts the threads and resolves once each has built its handler (fails if one cannot). */
  static async start(o: HandlerThreadsOptions): Promise<HandlerThreads> {
    const pool = new HandlerThreads(o);
    try {
      await Promise.all(Array.from({ length: o.threads }, () => pool.spawn()));
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  /** Workers running a script that calls `serveHandlerThread` (libs/bus handler-thread). */
  static workers(script: string, threads: number, bus: MessageBus): Promise<HandlerThreads> {
    return HandlerThreads.start({ threads, bus, start: () => new Worker(script) });
  }

  /** Hands the batch to the thread with the fewest batches; settles when it is handled. */
  readonly handle: BatchHandler = (messages: BusMessage[]) => {
    if (this.closed) return Promise.reject(new Error('handler threads are closed'));
    if (this.threads.length === 0) return Promise.reject(new Error('no handler thread is running'));
    const t = this.threads.reduce((a, b) => (b.running.size < a.running.size ? b : a));
    const id = this.nextId++;
    const batch = packBatch(messages);
    return new Promise<void>((resolve, reject) => {
      t.running.set(id, { resolve, reject });
      t.worker.postMessage({ kind: 'batch', id, batch }, [batch.values]);
    });
  };

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      [...this.started].map((t) => {
        t.closing = true;
        return t.worker.terminate();
      }),
    );
  }

  private spawn(): Promise<void> {
    const t: Thread = { worker: this.o.start(), running: new Map(), closing: false };
    this.started.add(t);
    return new Promise<void>((ready, failed) => {
      let started = false;
      t.worker.on('message', (m: FromThread) => {
        if (m.kind === 'ready') {
          started = true;
          this.threads.push(t);
          ready();
        } else if (m.kind === 'failed') {
          failed(new Error(`a handler thread could not start: ${m.error}`));
          // Its runtime may hold connections: ended here, not left idle.
          t.closing = true;
          void t.worker.terminate();
        } else if (m.kind === 'done') {
          const r = t.running.get(m.id);
          t.running.delete(m.id);
          if (m.error === undefined) r?.resolve();
          else r?.reject(errorFrom(m as ErrorFields));
        } else if (m.kind === 'call') {
          void this.call(t, m);
        }
      });
      t.worker.on('error', (e) => {
        this.logger.error(`handler thread failed: ${e.message}`);
        if (!started) failed(e);
      });
      t.worker.on('exit', (code) => {
        this.started.delete(t);
        const i = this.threads.indexOf(t);
        if (i >= 0) this.threads.splice(i, 1);
        for (const r of t.running.values()) r.reject(new Error(`handler thread exited (${code}) before finishing its batch`));
        t.running.clear();
        if (!started) failed(new Error(`a handler thread exited (${code}) before it was ready`));
        else if (!t.closing && !this.closed) {
          this.logger.warn(`handler thread exited (${code}); starting another`);
          void this.replace();
        }
      });
    });
  }

  /**
   * Starts a thread in place of one that exited, trying again (1 s, then twice as long, up to
   * 30 s) while it cannot start (its database is down, say): without threads the batches only
   * fail, and the process would never heal by itself.
   */
  private async replace(): Promise<void> {
    for (let delay = 1_000; !this.closed; delay = Math.min(30_000, delay * 2)) {
      try {
        return await this.spawn();
      } catch (e) {
        this.logger.error(`no replacement thread yet (${(e as Error).message}); trying again in ${delay / 1000} s`);
        await new Promise((r) => setTimeout(r, delay).unref());
      }
    }
  }

  private async call(t: Thread, m: Extract<FromThread, { kind: 'call' }>): Promise<void> {
    let error: ErrorFields | undefined;
    try {
      if (m.method === 'publishMany') await this.o.bus.publishMany(asBuffers(m.batches));
      else await this.o.bus.ensureTopics(m.specs);
    } catch (e) {
      error = errorFields(e);
    }
    if (!t.closing) t.worker.postMessage({ kind: 'reply', id: m.id, ...error });
  }
}
