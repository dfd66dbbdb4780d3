import { EventEmitter } from 'events';
import { MessageChannel } from 'worker_threads';
import { BatchHandler, BusMessage, MessageBus } from './bus';
import { serveBatches } from './handler-thread';
import { HandlerThreads, ThreadLike } from './handler-threads';
import { InMemoryBus } from './memory-bus';
import { packBatch, unpackBatch } from './thread-protocol';

/** A "thread" on a MessageChannel in this thread: the same protocol, the same cloning and transfers. */
function channelThread(build: (bus: MessageBus) => Promise<BatchHandler>): ThreadLike & { exit(code: number): void } {
  const { port1, port2 } = new MessageChannel();
  serveBatches(port2, build);
  const events = new EventEmitter();
  const exit = (code: number) => {
    port1.close();
    port2.close();
    events.emit('exit', code);
  };
  return {
    postMessage: (v, transfer) => port1.postMessage(v, transfer),
    on: (event: string, listener: (...a: unknown[]) => void) => (event === 'message' ? port1.on('message', listener) : events.on(event, listener)),
    terminate: async () => {
      exit(1);
      return 1;
    },
    exit,
  } as ThreadLike & { exit(code: number): void };
}

const message = (offset: number, value: string, headers: Record<string, string> = {}): BusMessage => ({
  topic: 'pdp.sick-leave.inbound.v1',
  partition: 2,
  offset: String(offset),
  key: offset % 2 ? `k${offset}` : null,
  value: Buffer.from(value),
  headers,
});

describe('HandlerThreads', () => {
  const pools: HandlerThreads[] = [];
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.close()));
  });
  const start = async (threads: number, build: (bus: MessageBus) => Promise<BatchHandler>, bus: MessageBus = new InMemoryBus()) => {
    const started: ReturnType<typeof channelThread>[] = [];
    const pool = await HandlerThreads.start({ threads, bus, start: () => (started[started.length] = channelThread(build)) });
    pools.push(pool);
    return { pool, started };
  };

  it('packs a batch into one transferable buffer and gives it back as it was', () => {
    const batch = [message(7, '{"a":1}'), message(8, ''), message(9, 'é€', { eligible: 'false' })];
    const packed = packBatch(batch);
    expect(packed.values.byteLength).toBe(7 + 0 + Buffer.byteLength('é€'));
    expect(packed.headers).toEqual([[2, { eligible: 'false' }]]);
    expect(unpackBatch(packed)).toEqual(batch);
  });

  it('hands each batch whole to a thread, spreads batches over the threads, and settles once handled', async () => {
    const seen: { thread: number; messages: BusMessage[] }[] = [];
    let threadNo = 0;
    const { pool } = await start(2, async () => {
      const me = threadNo++;
      return async (messages) => {
        await new Promise((r) => setTimeout(r, 20));
        seen.push({ thread: me, messages });
      };
    });
    const batches = [0, 1, 2, 3].map((b) => [message(b * 10, `v${b}`), message(b * 10 + 1, `w${b}`, { h: String(b) })]);
    await Promise.all(batches.map((b) => pool.handle(b)));
    expect(seen.map((s) => s.messages).sort((a, b) => Number(a[0].offset) - Number(b[0].offset))).toEqual(batches);
    expect(new Set(seen.map((s) => s.thread))).toEqual(new Set([0, 1]));
  });

  it("publishes a thread's deliveries through the consuming thread's bus before the batch settles", async () => {
    const bus = new InMemoryBus();
    await bus.ensureTopics([{ topic: 'pdp.inbox.spsti-1.v1', partitions: 1 }]);
    const { pool } = await start(
      1,
      async (threadBus) => async (messages) => {
        await threadBus.ensureTopics([{ topic: 'pdp.inbox.spsti-2.v1', partitions: 1 }]);
        await threadBus.publishMany([
          { topic: 'pdp.inbox.spsti-1.v1', messages: messages.map((m) => ({ key: 'p1', value: m.value.toString(), headers: { 'idempotency-key': m.offset } })) },
          { topic: 'pdp.inbox.spsti-2.v1', messages: [{ key: 'p2', value: Buffer.from('bytes') }] },
          { topic: 'pdp.inbox.spsti-3.v1', messages: [] },
        ]);
      },
      bus,
    );
    await pool.handle([message(1, 'one'), message(2, 'two')]);
    expect(bus.messages('pdp.inbox.spsti-1.v1').map((m) => [m.value.toString(), m.headers['idempotency-key']])).toEqual([
      ['one', '1'],
      ['two', '2'],
    ]);
    const [bytes] = bus.messages('pdp.inbox.spsti-2.v1');
    expect(Buffer.isBuffer(bytes.value) && bytes.value.toString()).toBe('bytes');
  });

  it("fails the batch when its handler fails, or when the consuming thread's publish does", async () => {
    const failing: MessageBus = Object.assign(new InMemoryBus(), { publishMany: () => Promise.reject(new Error('broker unavailable')) });
    const { pool } = await start(
      1,
      async (bus) => async (messages) => {
        if (messages[0].value.toString() === 'bad') throw new Error('database unavailable');
        await bus.publish('pdp.inbox.spsti-1.v1', [{ key: 'k', value: 'v' }]);
      },
      failing,
    );
    await expect(pool.handle([message(1, 'bad')])).rejects.toThrow('database unavailable');
    await expect(pool.handle([message(2, 'good')])).rejects.toThrow('broker unavailable');
  });

  it('fails the batches of a thread that exits, and hands later ones to its replacement', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    // (A real thread's work ends with it; this one's goes on, unseen by the pool.)
    const handled: string[] = [];
    const { pool, started } = await start(1, async () => async (messages) => {
      if (messages[0].value.toString() === 'hold') await held;
      handled.push(messages[0].value.toString());
    });
    const running = pool.handle([message(1, 'hold')]);
    await new Promise((r) => setTimeout(r, 10));
    started[0].exit(1);
    await expect(running).rejects.toThrow('handler thread exited (1)');
    release();
    // The replacement builds its handler, then takes batches again.
    for (let i = 0; i < 50 && started.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 20));
    await pool.handle([message(2, 'after')]);
    expect(handled).toContain('after');
    expect(started).toHaveLength(2);
  });

  it('does not start when a thread cannot build its handler', async () => {
    await expect(HandlerThreads.start({ threads: 2, bus: new InMemoryBus(), start: () => channelThread(() => Promise.reject(new Error('DATABASE_URL is required'))) })).rejects.toThrow(
      'a handler thread could not start: DATABASE_URL is required',
    );
  });

  it('ends a replacement thread that cannot build its handler instead of leaving it idle', async () => {
    let builds = 0;
    const ended: number[] = [];
    const { started } = await start(1, async () => {
      if (builds++ > 0) throw new Error('database unavailable');
      return async () => undefined;
    });
    started[0].exit(1);
    for (let i = 0; i < 50 && started.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    started[1].on('exit', (code: number) => ended.push(code));
    for (let i = 0; i < 50 && ended.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(ended).toHaveLength(1);
  });

  it('keeps trying to replace a thread while its handler cannot be built, then takes batches again', async () => {
    let builds = 0;
    const handled: string[] = [];
    const { pool, started } = await start(1, async () => {
      // The first replacement finds the database down; the next one finds it back.
      if (builds++ === 1) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
      return async (messages) => void handled.push(messages[0].value.toString());
    });
    started[0].exit(1);
    for (let i = 0; i < 400 && started.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    expect(started).toHaveLength(3);
    for (let i = 0; i < 50; i++) {
      if (
        await pool.handle([message(3, 'healed')]).then(
          () => true,
          () => false,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(handled).toEqual(['healed']);
  });
});
