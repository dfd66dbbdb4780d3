export interface PipelineBatch<M> {
  topic: string;
  partition: number;
  firstOffset: string;
  lastOffset: string;
  messages: M[];
}

export interface CommitOffset {
  topic: string;
  partition: number;
  /** The next offset to read: the last handled one plus one. */
  offset: string;
}

export interface BatchPipelineOptions<M> {
  /** Batches handled at once (overlaps the database's round trips with other batches' work). */
  running: number;
  /** Batches accepted but not handled yet; the consumer fetches again while there is room. */
  buffered: number;
  handle: (messages: M[]) => Promise<void>;
  commit: (offsets: CommitOffset[]) => Promise<void>;
  /** Reads a partition again from an offset (the first of a batch whose handling failed). */
  seek: (topic: string, partition: number, offset: string) => void;
  /** How often handled batches' offsets are committed; 0 commits after every batch. */
  commitIntervalMs: number;
  retryDelayMs: number;
  onError: (message: string) => void;
}

interface PartitionState {
  tail: Promise<void>;
  /** Raised when a batch fails: batches accepted before its re-read are dropped, not handled. */
  generation: number;
}

/**
 * A consumer's batches handled apart from its fetch loop (docs/performance.md). kafkajs fetches again only
 * once every batch of its last fetch is handled, so the end of each fetch ran one or two batches
 * on two cores; here a batch is accepted (its offset resolved, so the next fetch reads on) and
 * handled in the background, a partition's batches in order, `running` at once. Offsets are
 * committed only for handled batches, in order, every `commitIntervalMs`: a crash re-delivers
 * what was not handled, as before. A failed batch makes its partition read again from its first
 * offset, after `retryDelayMs`; the batches accepted after it are dropped and come again.
 */
export class BatchPipeline<M> {
  private readonly partitions = new Map<string, PartitionState>();
  private readonly committable = new Map<string, CommitOffset>();
  private queued = 0;
  private active = 0;
  private readonly roomWaiters: (() => void)[] = [];
  private readonly slotWaiters: (() => void)[] = [];
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly o: BatchPipelineOptions<M>) {}

  /**
   * Resolves once the batch is queued (when there is room): the caller may then fetch on. False
   * once the pipeline is draining: the batch was not taken (its offset must not be resolved).
   */
  async accept(batch: PipelineBatch<M>): Promise<boolean> {
    const key = `${batch.topic}|${batch.partition}`;
    const state = this.partitions.get(key) ?? { tail: Promise.resolve(), generation: 0 };
    this.partitions.set(key, state);
    // Taken before waiting for room: a batch fetched before a failure of its partition is
    // dropped even if it is queued after it (the partition is read again from the failure).
    const generation = state.generation;
    while (this.queued >= this.o.buffered && !this.stopped) await new Promise<void>((r) => this.roomWaiters.push(r));
    if (this.stopped) return false;
    this.queued++;
    state.tail = state.tail
      .then(() => (state.generation === generation ? this.run(batch, key, state) : undefined))
      .catch((e) => this.o.onError(`${key}: ${(e as Error).message}`))
      .finally(() => {
        this.queued--;
        this.roomWaiters.shift()?.();
      });
    if (this.o.commitIntervalMs > 0) this.timer ??= setInterval(() => void this.flush(), this.o.commitIntervalMs);
    return true;
  }

  private async run(batch: PipelineBatch<M>, key: string, state: PartitionState): Promise<void> {
    while (this.active >= this.o.running) await new Promise<void>((r) => this.slotWaiters.push(r));
    this.active++;
    let failed = false;
    try {
      await this.o.handle(batch.messages);
      this.committable.set(key, { topic: batch.topic, partition: batch.partition, offset: (BigInt(batch.lastOffset) + 1n).toString() });
      if (this.o.commitIntervalMs === 0) await this.flush();
    } catch (e) {
      failed = true;
      // At once, in the same tick: no later batch of the partition is accepted in between.
      state.generation++;
      this.o.onError(`${batch.topic}[${batch.partition}] batch at ${batch.firstOffset} failed, reading it again: ${(e as Error).message}`);
      try {
        this.o.seek(batch.topic, batch.partition, batch.firstOffset);
      } catch (seekError) {
        // kafkajs refuses a seek while its consumer restarts (after a crash or a rebalance); the
        // consumer then reads on from the committed offset, which is not past this batch.
        this.o.onError(`${batch.topic}[${batch.partition}] could not seek to ${batch.firstOffset} (${(seekError as Error).message}); the partition is read again from its committed offset`);
      }
    } finally {
      this.active--;
      this.slotWaiters.shift()?.();
    }
    // The partition waits before its re-read (its tail holds); the others go on.
    if (failed) await new Promise((r) => setTimeout(r, this.o.retryDelayMs));
  }

  /** Commits the handled batches' offsets (a failed commit is retried with the next ones). */
  async flush(): Promise<void> {
    if (this.committable.size === 0) return;
    const offsets = [...this.committable.values()];
    this.committable.clear();
    try {
      await this.o.commit(offsets);
    } catch (e) {
      // Put back what no newer handled batch has replaced meanwhile.
      for (const c of offsets) if (!this.committable.has(`${c.topic}|${c.partition}`)) this.committable.set(`${c.topic}|${c.partition}`, c);
      this.o.onError(`offset commit failed, retried later: ${(e as Error).message}`);
    }
  }

  /** Takes no more batches, waits for every accepted one, commits, and stops the commit timer. */
  async drain(): Promise<void> {
    this.stopped = true;
    this.roomWaiters.splice(0).forEach((wake) => wake());
    while (this.queued > 0) await Promise.all([...this.partitions.values()].map((s) => s.tail));
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
