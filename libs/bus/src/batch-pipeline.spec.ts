import { BatchPipeline, CommitOffset, PipelineBatch } from './batch-pipeline';

const batch = (partition: number, first: number, n = 10): PipelineBatch<number> => ({
  topic: 't',
  partition,
  firstOffset: String(first),
  lastOffset: String(first + n - 1),
  messages: Array.from({ length: n }, (_, i) => first + i),
});

function setup(handle: (m: number[]) => Promise<void>, opts: { running?: number; buffered?: number; seekFails?: boolean } = {}) {
  const commits: CommitOffset[][] = [];
  const seeks: string[] = [];
  const errors: string[] = [];
  const pipeline = new BatchPipeline<number>({
    running: opts.running ?? 2,
    buffered: opts.buffered ?? 4,
    handle,
    commit: async (o) => void commits.push(o),
    seek: (topic, partition, offset) => {
      if (opts.seekFails) throw new Error('Consumer group was not initialized');
      seeks.push(`${topic}[${partition}]@${offset}`);
    },
    commitIntervalMs: 10_000,
    retryDelayMs: 5,
    onError: (m) => void errors.push(m),
  });
  const committed = () => Object.fromEntries(commits.flat().map((c) => [c.partition, c.offset]));
  return { pipeline, commits, seeks, errors, committed };
}

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('BatchPipeline', () => {
  it("handles a partition's batches in order, at most `running` at once, and commits what was handled", async () => {
    const handled: number[] = [];
    let active = 0;
    let peak = 0;
    const { pipeline, committed } = setup(async (m) => {
      peak = Math.max(peak, ++active);
      await tick();
      handled.push(m[0]);
      active--;
    });
    for (const first of [0, 10, 20]) for (const p of [0, 1, 2]) await pipeline.accept(batch(p, first));
    await pipeline.drain();
    expect(peak).toBe(2);
    expect(handled).toHaveLength(9);
    // A partition's batches one after the other: every partition's 0 before any 10's last, etc.
    expect(handled.lastIndexOf(0)).toBeLessThan(handled.lastIndexOf(10));
    expect(handled.lastIndexOf(10)).toBeLessThan(handled.lastIndexOf(20));
    expect(committed()).toEqual({ 0: '30', 1: '30', 2: '30' });
  });

  it('accepts no more than `buffered` batches before one is handled', async () => {
    const release: (() => void)[] = [];
    const { pipeline } = setup(() => new Promise<void>((r) => release.push(r)), { running: 1, buffered: 2 });
    await pipeline.accept(batch(0, 0));
    await pipeline.accept(batch(1, 0));
    let third = false;
    const accepting = pipeline.accept(batch(2, 0)).then(() => (third = true));
    await tick();
    expect(third).toBe(false);
    release.shift()!();
    await accepting;
    expect(third).toBe(true);
    let drained = false;
    const draining = pipeline.drain().then(() => (drained = true));
    while (!drained) {
      release.shift()?.();
      await tick();
    }
    await draining;
  });

  it('reads a partition again from a failed batch, drops the batches accepted after it, and commits nothing past it', async () => {
    let failOnce = true;
    const handled: number[] = [];
    const { pipeline, seeks, errors, committed } = setup(async (m) => {
      if (m[0] === 10 && failOnce) {
        failOnce = false;
        throw new Error('database gone');
      }
      handled.push(m[0]);
    });
    await pipeline.accept(batch(0, 0));
    await pipeline.accept(batch(0, 10));
    await pipeline.accept(batch(0, 20));
    await pipeline.accept(batch(1, 0));
    // Settled: both first batches handled, the failed one past its retry delay.
    while (handled.length < 2 || seeks.length === 0) await tick();
    await new Promise((r) => setTimeout(r, 20));
    await pipeline.flush();
    expect(seeks).toEqual(['t[0]@10']);
    expect(errors[0]).toMatch(/t\[0\] batch at 10 failed.*database gone/);
    expect(handled).toEqual(expect.arrayContaining([0, 0]));
    expect(handled).not.toContain(20);
    expect(committed()).toEqual({ 0: '10', 1: '10' });
    // The consumer reads on from the seek: those batches are handled and committed.
    await pipeline.accept(batch(0, 10));
    await pipeline.accept(batch(0, 20));
    await pipeline.drain();
    expect(handled.filter((x) => x >= 10)).toEqual([10, 20]);
    expect(committed()[0]).toBe('30');
  });

  it('keeps the offsets of a failed commit for the next one', async () => {
    let fail = true;
    const commits: CommitOffset[][] = [];
    const pipeline = new BatchPipeline<number>({
      running: 1,
      buffered: 2,
      handle: async () => undefined,
      commit: async (o) => {
        if (fail) throw new Error('rebalancing');
        commits.push(o);
      },
      seek: () => undefined,
      commitIntervalMs: 10_000,
      retryDelayMs: 1,
      onError: () => undefined,
    });
    await pipeline.accept(batch(0, 0));
    await pipeline.drain();
    expect(commits).toEqual([]);
    fail = false;
    await pipeline.flush();
    expect(commits).toEqual([[{ topic: 't', partition: 0, offset: '10' }]]);
  });

  it('takes no batch once draining, even one that was waiting for room', async () => {
    const release: (() => void)[] = [];
    const handled: number[] = [];
    const { pipeline } = setup((m) => new Promise<void>((r) => release.push(() => (handled.push(m[0]), r()))), { running: 1, buffered: 1 });
    expect(await pipeline.accept(batch(0, 0))).toBe(true);
    const waiting = pipeline.accept(batch(0, 10));
    const draining = pipeline.drain();
    expect(await waiting).toBe(false);
    while (release.length === 0) await tick();
    release.shift()!();
    await draining;
    expect(handled).toEqual([0]);
    expect(await pipeline.accept(batch(1, 0))).toBe(false);
  });

  it('commits after every handled batch when the interval is 0', async () => {
    const commits: CommitOffset[][] = [];
    const pipeline = new BatchPipeline<number>({
      running: 1,
      buffered: 2,
      handle: async () => undefined,
      commit: async (o) => void commits.push(o),
      seek: () => undefined,
      commitIntervalMs: 0,
      retryDelayMs: 1,
      onError: () => undefined,
    });
    await pipeline.accept(batch(0, 0));
    while (commits.length === 0) await tick();
    expect(commits).toEqual([[{ topic: 't', partition: 0, offset: '10' }]]);
    await pipeline.drain();
  });

  it('drops a batch of a failed partition that was waiting for room when the failure came', async () => {
    const handled: number[] = [];
    let release!: () => void;
    const { pipeline, seeks } = setup(
      async (m) => {
        if (m[0] === 0) {
          await new Promise<void>((r) => (release = r));
          throw new Error('database gone');
        }
        handled.push(m[0]);
      },
      { running: 1, buffered: 1 },
    );
    await pipeline.accept(batch(0, 0));
    const waiting = pipeline.accept(batch(0, 10));
    while (!release) await tick();
    release();
    expect(await waiting).toBe(true);
    while (seeks.length === 0) await tick();
    await new Promise((r) => setTimeout(r, 20));
    expect(seeks).toEqual(['t[0]@0']);
    expect(handled).toEqual([]);
    await pipeline.drain();
  });

  it('when the consumer refuses the seek (restarting), still drops the later batches and commits nothing past the failure', async () => {
    const handled: number[] = [];
    const { pipeline, errors, committed } = setup(
      async (m) => {
        if (m[0] === 10) throw new Error('database down');
        handled.push(m[0]);
      },
      { running: 1, seekFails: true },
    );
    for (const first of [0, 10, 20]) await pipeline.accept(batch(0, first));
    await pipeline.drain();
    expect(handled).toEqual([0]);
    expect(committed()).toEqual({ 0: '10' });
    expect(errors.some((e) => e.includes('could not seek to 10') && e.includes('committed offset'))).toBe(true);
  });
});
