import { BusMessage, NO_HEADERS } from './bus';
import { failureKind, isolatingHandler, IsolationOptions, PoisonMessage } from './batch-isolation';
import { BatchPipeline, CommitOffset } from './batch-pipeline';
import { InMemoryBus } from './memory-bus';
import { errorFields, errorFrom } from './thread-protocol';

const message = (offset: number, value: string): BusMessage => ({ topic: 't', partition: 0, offset: String(offset), key: null, value: Buffer.from(value), headers: NO_HEADERS });
const batchOf = (...values: string[]) => values.map((v, i) => message(i, v));

/** An error as PostgreSQL's clients raise it: a message and a SQLSTATE. */
const pgError = (msg: string, code: string) => Object.assign(new Error(msg), { code });
const NUL = () => pgError('unsupported Unicode escape sequence', '22P05');
const DOWN = () => pgError('terminating connection due to administrator command', '57P01');

/**
 * A handler that writes a batch in one transaction: it fails as a whole when one of its messages
 * fails (`fail` says how), and otherwise records them all.
 */
function database(fail: (value: string, batch: string[]) => Error | undefined) {
  const stored: string[] = [];
  const calls: string[][] = [];
  const handle = async (batch: BusMessage[]) => {
    const values = batch.map((m) => m.value.toString());
    calls.push(values);
    for (const v of values) {
      const e = fail(v, values);
      if (e) throw e;
    }
    stored.push(...values);
  };
  return { stored, calls, handle };
}

function isolate(handle: (b: BusMessage[]) => Promise<void>, o: Partial<IsolationOptions> = {}) {
  const poisoned: PoisonMessage[] = [];
  const waits: number[] = [];
  const logs: string[] = [];
  const handler = isolatingHandler(handle, {
    maxAttempts: 3,
    backoffMs: 200,
    poison: async (p) => void poisoned.push(...p),
    sleep: async (ms) => void waits.push(ms),
    log: (m) => void logs.push(m),
    ...o,
  });
  return { handler, poisoned, waits, logs };
}

describe('isolatingHandler', () => {
  it('hands a batch that goes through to the handler once', async () => {
    const db = database(() => undefined);
    const { handler, poisoned, waits } = isolate(db.handle);
    await handler(batchOf('a', 'b', 'c'));
    expect(db.calls).toEqual([['a', 'b', 'c']]);
    expect(poisoned).toEqual([]);
    expect(waits).toEqual([]);
  });

  it('dead-letters the message the database refuses, after bounded attempts with backoff, and handles the rest of its batch', async () => {
    const values = Array.from({ length: 50 }, (_, i) => (i === 37 ? 'nul\u0000' : `m${i}`));
    const db = database((v) => (v.includes('\u0000') ? NUL() : undefined));
    const { handler, poisoned, waits, logs } = isolate(db.handle);
    await handler(batchOf(...values));
    // Three attempts at the whole batch, 200 ms then 400 ms apart.
    expect(db.calls.slice(0, 3)).toEqual([values, values, values]);
    expect(waits).toEqual([200, 400]);
    // Then halves, and halves of the failing halves: a handful of calls, not one per message.
    expect(db.calls.length).toBeLessThan(3 + 2 * Math.ceil(Math.log2(values.length)) + 1);
    expect(poisoned.map((p) => [p.message.offset, p.error.message, (p.error as { code?: string }).code])).toEqual([['37', 'unsupported Unicode escape sequence', '22P05']]);
    expect([...db.stored].sort()).toEqual(values.filter((v) => v !== 'nul\u0000').sort());
    expect(logs.join('\n')).toMatch(/49 message\(s\) handled, 1 dead-lettered \(offsets 37\)/);
  });

  it('finds every message that fails alone, and no other', async () => {
    const values = Array.from({ length: 20 }, (_, i) => ([0, 7, 8, 19].includes(i) ? `bad${i}` : `m${i}`));
    const db = database((v) => (v.startsWith('bad') ? pgError(`duplicate key ${v}`, '23505') : undefined));
    const { handler, poisoned } = isolate(db.handle, { maxAttempts: 1 });
    await handler(batchOf(...values));
    expect(poisoned.map((p) => p.message.offset)).toEqual(['0', '7', '8', '19']);
    expect(db.stored).toHaveLength(16);
  });

  it('dead-letters a message alone in its batch when the database refuses its data', async () => {
    const db = database(() => pgError('date/time field value out of range: "0000-01-01"', '22008'));
    const { handler, poisoned } = isolate(db.handle);
    await handler(batchOf('year-zero'));
    expect(db.calls).toHaveLength(3);
    expect(poisoned.map((p) => p.error.message)).toEqual(['date/time field value out of range: "0000-01-01"']);
  });

  it.each([
    ['the database shutting down', DOWN],
    ['a lost connection', () => pgError('connection failure', '08006')],
    ['a refused connection', () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['the pool losing its client', () => new Error('Connection terminated unexpectedly')],
    ['a deadlock', () => pgError('deadlock detected', '40P01')],
    ['the broker', () => Object.assign(new Error('Connection error: connect ECONNREFUSED'), { name: 'KafkaJSNumberOfRetriesExceeded' })],
    ['a handler thread dying', () => new Error('handler thread exited (1) before finishing its batch')],
  ])('never dead-letters for an infrastructure failure (%s): the batch is thrown back at once, whole', async (_what, error) => {
    const db = database(() => error());
    const { handler, poisoned, waits } = isolate(db.handle);
    await expect(handler(batchOf('a', 'b', 'c', 'd'))).rejects.toThrow();
    expect(db.calls).toEqual([['a', 'b', 'c', 'd']]);
    expect(poisoned).toEqual([]);
    expect(waits).toEqual([]);
  });

  it('stops isolating and dead-letters nothing when the infrastructure fails while the batch is split', async () => {
    // Three attempts fail for the bad message, then the database goes down under the split.
    const db = database((v) => (db.calls.length > 3 ? DOWN() : v === 'bad' ? NUL() : undefined));
    const { handler, poisoned } = isolate(db.handle);
    await expect(handler(batchOf('a', 'bad', 'c', 'd'))).rejects.toMatchObject({ code: '57P01' });
    expect(poisoned).toEqual([]);
  });

  it('blames no message for an unexplained failure that nothing of the batch escapes (a bug, an outage without a code)', async () => {
    const db = database(() => new TypeError("Cannot read properties of undefined (reading 'rows')"));
    const { handler, poisoned } = isolate(db.handle);
    await expect(handler(batchOf('a', 'b', 'c'))).rejects.toThrow(/none is dead-lettered; the batch is retried/);
    expect(poisoned).toEqual([]);
    const alone = isolate(database(() => new Error('something odd')).handle);
    await expect(alone.handler(batchOf('a'))).rejects.toThrow(/retried/);
    expect(alone.poisoned).toEqual([]);
  });

  it('dead-letters a message that fails alone for an unexplained reason when the others of its batch go through', async () => {
    const db = database((v) => (v === 'odd' ? new RangeError('Invalid time value') : undefined));
    const { handler, poisoned } = isolate(db.handle);
    await handler(batchOf('a', 'odd', 'c'));
    expect(poisoned.map((p) => [p.message.offset, p.error.message])).toEqual([['1', 'Invalid time value']]);
    expect(db.stored.sort()).toEqual(['a', 'c']);
  });

  it('dead-letters nothing when the messages fail only together (each part goes through apart)', async () => {
    const db = database((_v, batch) => (batch.includes('x') && batch.includes('y') ? pgError('ON CONFLICT DO UPDATE command cannot affect row a second time', '21000') : undefined));
    const { handler, poisoned } = isolate(db.handle);
    await handler(batchOf('x', 'a', 'y', 'b'));
    expect(poisoned).toEqual([]);
    expect(db.stored.sort()).toEqual(['a', 'b', 'x', 'y']);
  });

  it('does not resolve before the dead letters are kept: a failure to keep them fails the batch', async () => {
    const db = database((v) => (v === 'bad' ? NUL() : undefined));
    const { handler } = isolate(db.handle, { poison: async () => Promise.reject(DOWN()) });
    await expect(handler(batchOf('a', 'bad'))).rejects.toMatchObject({ code: '57P01' });
  });
});

describe('failureKind', () => {
  it.each([
    [pgError('x', '22P05'), 'data'],
    [pgError('x', '22008'), 'data'],
    [pgError('x', '22021'), 'data'],
    [pgError('x', '23505'), 'data'],
    [pgError('x', '21000'), 'data'],
    [pgError('x', '54000'), 'data'],
    [Object.assign(new Error('x'), { name: 'KafkaJSProtocolError', type: 'MESSAGE_TOO_LARGE' }), 'data'],
    [pgError('x', '08006'), 'transient'],
    [pgError('x', '08P01'), 'transient'],
    [pgError('x', '40001'), 'transient'],
    [pgError('x', '53300'), 'transient'],
    [pgError('x', '57014'), 'transient'],
    [pgError('x', '55P03'), 'transient'],
    [Object.assign(new Error('x'), { code: 'ETIMEDOUT' }), 'transient'],
    [new Error('timeout exceeded when trying to connect'), 'transient'],
    [new Error('PGlite is closed'), 'transient'],
    [pgError('x', '42P01'), 'unknown'],
    [pgError('x', 'P0001'), 'unknown'],
    [new TypeError('x'), 'unknown'],
    ['a string', 'unknown'],
  ])('%s is %s', (e, kind) => {
    expect(failureKind(e)).toBe(kind);
  });

  it('is the same on both sides of a handler thread', () => {
    for (const e of [
      NUL(),
      DOWN(),
      Object.assign(new Error('x'), { name: 'KafkaJSProtocolError', type: 'MESSAGE_TOO_LARGE' }),
      Object.assign(new Error('y'), { name: 'KafkaJSConnectionError' }),
      new TypeError('z'),
    ]) {
      const crossed = errorFrom(errorFields(e));
      expect([crossed.message, failureKind(crossed)]).toEqual([e.message, failureKind(e)]);
    }
  });
});

describe('a consumer with isolation', () => {
  it('commits past the dead-lettered message through the BatchPipeline: no re-read, no endless retry', async () => {
    const commits: CommitOffset[] = [];
    const seeks: string[] = [];
    const db = database((v) => (v === 'bad' ? NUL() : undefined));
    const { handler, poisoned } = isolate(db.handle);
    const pipeline = new BatchPipeline<BusMessage>({
      running: 1,
      buffered: 2,
      handle: handler,
      commit: async (o) => void commits.push(...o),
      seek: (_t, _p, offset) => void seeks.push(offset),
      commitIntervalMs: 0,
      retryDelayMs: 1,
      onError: () => undefined,
    });
    const messages = batchOf('a', 'bad', 'c');
    await pipeline.accept({ topic: 't', partition: 0, firstOffset: '0', lastOffset: '2', messages });
    await pipeline.drain();
    expect(seeks).toEqual([]);
    expect(commits.at(-1)).toEqual({ topic: 't', partition: 0, offset: '3' });
    expect(poisoned.map((p) => p.message.offset)).toEqual(['1']);
  });

  it('lets the in-process bus move on past a poison message', async () => {
    const bus = new InMemoryBus();
    await bus.ensureTopics([{ topic: 'in', partitions: 1 }]);
    const db = database((v) => (v === 'bad' ? NUL() : undefined));
    const { handler, poisoned } = isolate(db.handle, { sleep: undefined, backoffMs: 1 });
    await bus.subscribe({ groupId: 'g', topics: ['in'], handle: handler });
    await bus.publish('in', [
      { key: 'k', value: 'a' },
      { key: 'k', value: 'bad' },
      { key: 'k', value: 'c' },
    ]);
    await bus.idle();
    await bus.publish('in', [{ key: 'k', value: 'd' }]);
    await bus.idle();
    expect(db.stored.sort()).toEqual(['a', 'c', 'd']);
    expect(poisoned.map((p) => p.message.value.toString())).toEqual(['bad']);
    await bus.close();
  });
});
